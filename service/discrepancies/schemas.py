"""Booking and invoice exception bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from service.schemas import Code, Request, Response

Money2 = Decimal
EvidenceKind = Literal[
    "signed_receipt_copy",
    "original_invoice_copy",
    "branch_certificate",
    "contract_price_agreement",
    "signed_discount_document",
]
Resolution = Literal[
    "reissue",
    "accept_with_carry_forward",
    "exchange_invoice",
    "accept_and_offset_next_invoice",
    "correct_price",
    "correct_discount",
    "accept_rounding",
]


class BookingLineIn(Request):
    item_code: Code = Field(description="the model the customer booked")
    quantity: int = Field(ge=0)
    unit_price: Decimal = Field(ge=0, decimal_places=2, max_digits=16)
    amount: Decimal = Field(decimal_places=2, max_digits=16, description="without tax")
    tax: Decimal = Field(decimal_places=2, max_digits=16)
    discount: Decimal = Field(
        default=Decimal("0.00"),
        ge=0,
        decimal_places=2,
        max_digits=16,
        description="discount the customer booked, tax included",
    )


class BookingCreate(Request):
    """What the customer booked for the invoice, from its statement or portal export."""

    reference: Code = Field(description="the customer's booking or voucher number")
    booked_on: date
    lines: list[BookingLineIn] = Field(min_length=1)


class EvidenceIn(Request):
    kind: EvidenceKind
    attachment_id: int = Field(description="an uploaded file (POST /attachments)")


class ConfirmIn(Request):
    note: str = Field(default="", max_length=2000)
    expected_resolution: Resolution | None = Field(
        default=None, description="the resolution shown to the user; refused if rules changed"
    )


class OverrideIn(Request):
    resolution: Resolution
    reason: str = Field(
        min_length=10,
        max_length=4000,
        description="why the rules' decision is not followed (recorded)",
    )


class EvidenceOut(Response):
    kind: str
    attachment_id: int
    sha256: str
    attached_by: str
    attached_at: datetime


class ExceptionOut(Response):
    id: int
    invoice_id: int
    invoice_no: str
    customer_code: str
    kind: str
    state: str
    version: int
    item_code: str | None
    booked_item_code: str | None
    invoiced_qty: int
    booked_qty: int
    invoiced_unit_price: Decimal | None
    booked_unit_price: Decimal | None
    quantity_difference: int
    amount_difference: Decimal
    line_tax_difference: Decimal
    invoice_tax_difference: Decimal
    discount_difference: Decimal
    age_days: int
    decision: dict[str, Any] = Field(description="rule set, version, rules that fired, values seen")
    explanation: str
    resolution: str | None = Field(description="what the rules decide, or what was done")
    required_evidence: list[str]
    missing_evidence: list[str]
    confirm_by: str | None
    evidence: list[EvidenceOut]
    overridden: bool
    override_reason: str | None
    confirmed_by: str | None
    confirmed_at: datetime | None
    result: dict[str, Any]
    created_at: datetime
    allowed_triggers: list[str]


class BookingOut(Response):
    booking_id: int
    invoice_id: int
    reference: str
    exceptions: list[ExceptionOut]
