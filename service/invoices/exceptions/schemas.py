"""Booking and invoice exception bodies."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from rules.vocabularies.invoice_exception import EvidenceKind, Resolution
from service.schemas import Code, Day, Id, Money, Note, Price, Quantity, Request, Response


class BookingLineIn(Request):
    item_code: Code = Field(description="the model the customer booked")
    quantity: Quantity
    unit_price: Price
    amount: Money = Field(description="without tax")
    tax: Money
    discount: Money = Field(
        default=Decimal("0.00"), ge=0, description="discount the customer booked, tax included"
    )


class BookingCreate(Request):
    """What the customer booked for the invoice, from its statement or portal export."""

    reference: Code = Field(description="the customer's booking or voucher number")
    booked_on: Day
    lines: list[BookingLineIn] = Field(min_length=1, max_length=500)


class EvidenceIn(Request):
    kind: EvidenceKind
    attachment_id: Id = Field(description="an uploaded file (POST /attachments)")


class ConfirmIn(Request):
    note: Note = ""
    expected_resolution: Resolution | None = Field(
        default=None, description="the resolution shown to the user; refused if rules changed"
    )


# Overriding the rules needs a real explanation, not "ok".
LongReason = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=10, max_length=2000)
]


class OverrideIn(Request):
    resolution: Resolution
    reason: LongReason = Field(
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
    invoiced_amount: Decimal = Field(description="the invoice's amount for the item, without tax")
    booked_amount: Decimal = Field(description="the booking's amount for the item, without tax")
    invoiced_tax: Decimal
    booked_tax: Decimal
    invoiced_discount: Decimal = Field(description="tax included")
    booked_discount: Decimal = Field(description="tax included")
    amount_difference: Decimal = Field(description="invoiced minus booked amount, without tax")
    tax_difference: Decimal = Field(description="invoiced minus booked tax")
    discount_difference: Decimal = Field(description="invoiced minus booked discount")
    total_difference: Decimal = Field(
        description="what the invoice asks minus what the customer booked to pay: amount plus "
        "tax minus discount differences"
    )
    line_tax_difference: Decimal = Field(description="|tax difference| of this item")
    invoice_tax_difference: Decimal = Field(
        description="|sum of the tax differences| over the invoice's items"
    )
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
