"""Signed receipt request and response bodies."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from service.receipts.exceptions.schemas import ReceiptExceptionOut
from service.schemas import AttachmentRef, Code, Day, Id, Note, Quantity, Request, Response


class ReceiptLineIn(Request):
    line_no: int = Field(
        ge=1, le=100, description="the order line this quantity was received against"
    )
    received_qty: Quantity = Field(description="quantity actually received (实收数)")
    item_code: Code | None = Field(
        default=None,
        description="the model actually received, when not the one ordered (substitution, R8)",
    )


class ReceiptCreate(Request):
    """The customer's signed receipt (签收入库回单), posted by logistics (R6)."""

    receipt_no: Code = Field(description="the customer's receipt number (入库单号)")
    receipt_date: Day = Field(description="the date the customer signed; starts the term (R19)")
    reported_on: Day | None = Field(
        default=None,
        description="the day the signed receipt was reported (internal warehouse: the carrier's "
        "report, judged by R7), when entered late; default today. The business date of the "
        "posting: not before the receipt date, not in the future or a closed period",
    )
    lines: list[ReceiptLineIn] = Field(
        min_length=1,
        max_length=200,
        description="every shipped line, with the quantity received (0 if none)",
    )
    evidence: list[Id] = Field(
        min_length=1,
        max_length=20,
        description="ids of uploaded attachments: the signed receipt scan or photo",
    )
    note: Note = ""


class ReceiptLineOut(Response):
    line_no: int
    ordered_item_code: str
    received_item_code: str
    received_qty: int


class ReceiptOut(Response):
    id: int
    order_id: int
    receipt_no: str
    receipt_date: date
    posted_by: str
    posted_at: datetime
    note: str
    reported_on: date | None = Field(description="R7: the day the carrier's report was posted")
    report_deadline: date | None
    reported_late: bool | None = Field(description="R7: reported after 2 working days")
    imported: bool = Field(
        default=False,
        description="brought over from the old system at go-live (`o2c import`), not made here",
    )
    lines: list[ReceiptLineOut]
    exceptions: list[ReceiptExceptionOut]
    evidence: list[AttachmentRef]
