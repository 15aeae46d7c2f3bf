"""What the receivables API answers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

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


# --- The ageing (R30) and a customer's receivables -------------------------------------------


class BucketOut(Response):
    code: str = Field(description="stable code: not_due, 1_30, ..., over_180, no_due_date")
    low: int | None = Field(description="fewest days in it (none: any fewer)")
    high: int | None = Field(description="most days in it (none: any more)")


class AgeingRow(Response):
    """One customer's receivables in the ageing's buckets."""

    customer_code: str
    customer_name: str
    grade: str
    branch: str
    buckets: dict[str, Decimal] = Field(description="outstanding per bucket code, every bucket")
    outstanding: Decimal = Field(description="the sum of the buckets: what its invoices owe")
    overdue: Decimal = Field(description="of it, on invoices past their due date on the day")
    invoices: int = Field(description="its open invoices")
    unapplied: Decimal = Field(description="credit held for the customer, not yet applied")
    net: Decimal = Field(description="outstanding less unapplied credit")


class AgeingTotals(Response):
    buckets: dict[str, Decimal]
    customers: int
    outstanding: Decimal = Decimal("0.00")
    overdue: Decimal = Decimal("0.00")
    invoices: int = 0
    unapplied: Decimal = Decimal("0.00")
    net: Decimal = Decimal("0.00")


class AgeingOut(Response):
    basis: Literal["due", "receipt"] = Field(
        description="due: days past the due date; receipt: days since the customer's receipt"
    )
    as_of: date = Field(description="the business date the days are counted to")
    buckets: list[BucketOut]
    customers: list[AgeingRow] = Field(description="by customer code")
    totals: AgeingTotals


class OpenInvoiceOut(Response):
    """An invoice with something still owed on it, aged."""

    invoice_no: str
    fapiao_no: str | None
    term_start: date | None = Field(description="the customer's receipt date (R19)")
    due_date: date | None = Field(description="empty while the calendar does not know its year")
    days: int | None = Field(description="days past due (or since receipt) on the day")
    bucket: str
    total: Decimal
    outstanding: Decimal


class BalanceOut(Response):
    """The customer's stored ledger balances (see the receivables ledger)."""

    invoiced: Decimal
    red_invoiced: Decimal
    credited: Decimal
    paid: Decimal
    deducted: Decimal
    outstanding: Decimal
    unapplied: Decimal


class CustomerReceivablesOut(Response):
    customer_code: str
    customer_name: str
    ageing: AgeingOut = Field(description="the customer's row of the ageing")
    invoices: list[OpenInvoiceOut] = Field(description="open invoices, oldest due first, paged")
    open_invoices: int = Field(description="how many are open in all")
    unapplied: Decimal
    balance: BalanceOut
