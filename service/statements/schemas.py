"""Request and response bodies of statements, statement adjustments and statement disputes."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from service.schemas import Code, Day, Id, Money, Name, Reason, Request, Response

AdjustmentKind = Literal["price_reduction", "rebate", "margin_support", "fee", "other"]
Channel = Literal["email", "post", "portal", "in_person", "fax"]
StatementKind = Literal["scheduled", "requested"]
StatementState = Literal["draft", "sent", "disputed", "confirmed", "settled", "partly_paid", "paid"]
# A positive deduction, yuan, far inside a money column.
Deduction = Annotated[Money, Field(gt=0, le=Decimal("100000000.00"))]
CustomerAmount = Annotated[Money, Field(ge=0, le=Decimal("100000000.00"))]


class AdjustmentIn(Request):
    """A price reduction (降价), rebate (返利), margin support (补利) or fee for the customer's
    next statement, deducted from what it pays."""

    customer_code: Code
    kind: AdjustmentKind
    amount: Deduction = Field(description="yuan deducted on the statement (> 0)")
    description: Reason
    document_no: Code = Field(description="the agreement, notice or invoice it comes from")
    evidence: list[Id] = Field(
        min_length=1, max_length=10, description="uploaded attachments: the document's scans"
    )


class CancelIn(Request):
    reason: Reason


class AdjustmentOut(Response):
    id: int
    customer_code: str
    kind: str
    amount: Decimal
    description: str
    document_no: str
    evidence: list[int]
    state: str
    version: int
    statement_no: str | None
    created_by: str
    created_at: datetime


class StatementIn(Request):
    """A statement the customer asks for: what falls due on or before the date, now."""

    customer_code: Code
    settlement_date: Day


class SendIn(Request):
    sent_on: Day
    to: Name = Field(description="who at the customer it went to")
    channel: Channel


class ConfirmIn(Request):
    """R22: the customer's side (its signatory, reference, signed copy); ours is the caller."""

    confirmed_on: Day
    customer_signatory: Name
    customer_reference: Code | None = None
    evidence_id: Id = Field(description="the uploaded statement signed by the customer")


class DisputedLineIn(Request):
    line_id: Id
    reason: Reason
    customer_amount: CustomerAmount | None = Field(
        default=None, description="the amount the customer sees for the line, if it says"
    )


class DisputeIn(Request):
    lines: list[DisputedLineIn] = Field(min_length=1, max_length=200)


class RedraftIn(Request):
    reason: Reason


class DecideIn(Request):
    note: Reason


class LineOut(Response):
    id: int
    kind: str
    source_id: int
    reference: str
    receipt_no: str | None
    receipt_date: date | None
    warehouse: str | None
    due_date: date | None
    description: str
    amount: Decimal
    counted: bool


class Totals(Response):
    goods_total: Decimal
    credits_total: Decimal
    adjustments_total: Decimal
    amount_due: Decimal


class VersionOut(Response):
    number: int
    reason: str
    made_by: str
    made_at: datetime
    totals: Totals
    changes: dict[str, Any]
    # Lines grouped by kind: invoice, red_invoice, customer_blue_invoice, discount_offset,
    # adjustment, open_return (listed, not counted).
    lines: dict[str, list[LineOut]]


class VersionSummary(Response):
    number: int
    reason: str
    made_by: str
    made_at: datetime
    amount_due: Decimal


class StatementSummary(Response):
    id: int
    statement_no: str
    customer_code: str
    customer_name: str
    settlement_date: date
    kind: str
    state: str
    version: int
    versions: int
    amount_due: Decimal
    draft_day: date | None


class StatementOut(StatementSummary):
    lead_working_days: int | None
    decision: dict[str, Any] | None
    totals: Totals
    current: VersionOut
    history: list[VersionSummary]
    allowed_triggers: list[str]
    sent_on: date | None
    sent_to: str | None
    channel: str | None
    confirmed_on: date | None
    customer_signatory: str | None
    customer_reference: str | None
    confirmation_id: int | None
    confirmed_by: str | None
    created_by: str
    created_at: datetime
    disputes: list[DisputeOut]


class DisputeOut(Response):
    id: int
    statement_id: int
    statement_no: str
    statement_version: int
    line_id: int
    line_kind: str
    line_reference: str
    line_amount: Decimal
    reason: str
    customer_amount: Decimal | None
    state: str
    version: int
    resolution: str
    created_by: str
    created_at: datetime


StatementOut.model_rebuild()
