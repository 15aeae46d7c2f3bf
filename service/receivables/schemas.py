"""What the receivables API answers."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field

from service.schemas import Response


class FailureOut(Response):
    customer_code: str
    invoice_no: str | None = Field(description="the invoice, for a check of one invoice")
    check: str = Field(description="the figure that does not add up (invoiced, identity, ...)")
    expected: Decimal = Field(description="what the source documents say")
    stored: Decimal = Field(description="what is stored")


class CheckOut(Response):
    ok: bool = Field(description="the ledger identity holds for every customer and invoice")
    customers: int
    invoices: int
    failures: list[FailureOut]
