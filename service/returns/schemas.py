"""Return request and response bodies (R24-R26)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from rules.vocabularies.return_credit import Method, Reason
from service.schemas import (
    MAX_QUANTITY,
    AttachmentRef,
    Code,
    Dated,
    Day,
    Id,
    Money,
    Note,
    Quantity,
    Request,
    Response,
    Text,
)
from service.schemas import Reason as Why

# A return names a few lines of one blue invoice; a sales list holds no more than this.
MAX_RETURN_LINES = 100


class ReturnLineIn(Request):
    line_no: int = Field(ge=1, le=10_000, description="the blue invoice's goods line")
    quantity: int = Field(ge=1, le=MAX_QUANTITY, description="quantity to return")


class ReturnCreate(Dated):
    """Sales asks to take goods back from an invoiced order (R24)."""

    order_id: Id
    invoice_id: Id = Field(description="the issued blue invoice the goods were billed on")
    reason: Reason
    note: Note = ""
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=MAX_RETURN_LINES)
    receipt_exception_id: Id | None = Field(
        default=None,
        description="the substitution found at receipt (R8) this return sends back",
    )


class ApproveIn(Dated):
    approval_report_id: Id | None = Field(
        default=None, description="the approval report (批复报告), uploaded first (R25): required"
    )
    note: Note = ""


class ReasonIn(Request):
    reason: Why = Field(description="why; recorded")


class CancelIn(Request):
    reason: Note = ""


class ReceivedLineIn(Request):
    line_no: int = Field(ge=1, le=MAX_RETURN_LINES, description="the return's line")
    received_qty: Quantity = Field(description="quantity actually received back (0 allowed)")


class ReturnReceiptIn(Request):
    """The return receipt (退货入库单), posted by logistics."""

    receipt_no: Code = Field(description="the return receipt's number")
    received_on: Day = Field(description="the day the goods came back; not in the future")
    scan_id: Id = Field(description="the return receipt's scan (POST /attachments)")
    lines: list[ReceivedLineIn] = Field(min_length=1, max_length=MAX_RETURN_LINES)


class ConsentIn(Request):
    attachment_id: Id = Field(description="the customer's written consent (确认函), uploaded")


class MethodIn(Request):
    method: Method | None = Field(
        default=None, description="the credit method; none: confirm the rules' proposal"
    )
    reason: Text = Field(default="", description="required when differing from the proposal")


class BlueLineIn(Request):
    item_code: Code
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    amount: Money = Field(ge=0, description="without tax")
    tax: Money = Field(ge=0)


class BlueInvoiceIn(Request):
    """The blue invoice the customer issued back for the return (R24 b)."""

    invoice_number: str = Field(pattern=r"^\d{8,20}$", description="its fapiao number")
    invoice_date: Day
    amount: Money = Field(ge=0, description="without tax")
    tax: Money = Field(ge=0)
    total: Money = Field(ge=0)
    lines: list[BlueLineIn] = Field(min_length=1, max_length=MAX_RETURN_LINES)


class ReturnLineOut(Response):
    line_no: int
    invoice_line_no: int
    item_code: str
    quantity: int
    received_qty: int | None
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal
    tax: Decimal


class BlueInvoiceOut(Response):
    invoice_number: str
    invoice_date: date
    amount: Decimal
    tax: Decimal
    total: Decimal
    lines: list[dict[str, Any]]
    recorded_by: str


class ReturnOut(Response):
    id: int
    return_no: str
    customer_code: str
    order_id: int
    invoice_id: int
    invoice_no: str
    reason: str
    note: str
    state: str
    version: int
    approval_report: AttachmentRef | None
    decided_by: str | None
    decision_reason: str
    receipt_no: str | None
    received_on: date | None
    receipt_scan: AttachmentRef | None
    consent: AttachmentRef | None
    proposal: dict[str, Any] | None = Field(
        description="the return_credit rules' proposal: method, rule set, version, rules, "
        "values seen, explanation (R18)"
    )
    credit_method: str | None
    method_reason: str
    credit_invoice_id: int | None
    credited_on: date | None
    amount: Decimal
    tax: Decimal
    total: Decimal
    customer_blue_invoice: BlueInvoiceOut | None
    created_by: str
    created_at: datetime
    lines: list[ReturnLineOut]
    allowed_triggers: list[str]


class UncreditedOut(Response):
    """A line of defective or slow-moving goods not yet credited (R26)."""

    return_id: int
    return_no: str
    customer_code: str
    reason: str
    state: str
    line_no: int
    item_code: str
    quantity: int = Field(description="received back, or asked for while not yet received")
    amount: Decimal
    tax: Decimal
    requested_at: datetime
    received_on: date | None
