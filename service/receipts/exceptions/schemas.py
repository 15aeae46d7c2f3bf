"""Request and response bodies of receipt exceptions worked to their end (R8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field

from service.schemas import Code, Day, Id, Money, Note, Reason, Request, Response

# A positive amount claimed or settled, yuan, far inside a money column.
ClaimMoney = Annotated[Money, Field(gt=0, le=Decimal("100000000.00"))]
Path = Literal["redeliver", "claim", "accept", "return"]


class PathIn(Request):
    reason: Note = Field(
        default="",
        description="why; required when the path is not the one the rules proposed",
    )


class AcceptIn(Request):
    reason: Reason = Field(
        description="why sales accepts it (a shortage: the rest is not delivered; a "
        "substitution: the customer keeps the received model)"
    )


class RedeliveryIn(Request):
    """The follow-up delivery of the missing quantity and its own signed receipt."""

    shipped_on: Day = Field(description="when the missing quantity left the warehouse")
    waybill_no: Code | None = Field(default=None, description="the carrier's waybill number")
    receipt_no: Code = Field(description="the customer's receipt number of the follow-up")
    receipt_date: Day = Field(description="the day the customer signed the follow-up")
    quantity: int = Field(ge=1, le=1_000_000, description="pieces received on the follow-up")
    scan_id: Id = Field(description="the uploaded scan of the follow-up's signed receipt")


class ClaimIn(Request):
    amount: ClaimMoney = Field(description="the amount claimed from the carrier, yuan")
    claimed_on: Day
    evidence_id: Id = Field(description="the uploaded evidence (receipt copy, carrier's note)")
    reason: Note = ""


class SettleIn(Request):
    amount: ClaimMoney = Field(description="what the carrier pays, yuan (at most the claim)")
    settled_on: Day


class RefuseIn(Request):
    refused_on: Day
    reason: Reason


class ReceiptExceptionOut(Response):
    id: int
    version: int
    order_id: int
    company_order_no: str | None = None
    customer_po_no: str | None = None
    customer_code: str | None = None
    receipt_no: str
    carrier: str | None = None
    warehouse_kind: str | None = None
    kind: str
    line_no: int
    expected_item_code: str
    received_item_code: str | None
    shipped_qty: int
    received_qty: int
    quantity: int
    state: str
    created_at: datetime
    owner_role: str = "logistics"
    proposed_path: str | None = Field(default=None, description="the rules' proposal")
    proposal_reason: str = ""
    explanation: str = ""
    decision: dict[str, Any] | None = None
    path: str | None = Field(default=None, description="the path a person took")
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str = ""
    redelivery_shipped_on: date | None = None
    redelivery_waybill_no: str | None = None
    redelivery_receipt_no: str | None = None
    redelivery_receipt_date: date | None = None
    redelivered_qty: int | None = None
    redelivery_scan_id: int | None = None
    redelivery_invoice_no: str | None = Field(
        default=None, description="the invoice that carries the re-delivered quantity, once"
    )
    claim_amount: Decimal | None = None
    claim_evidence_id: int | None = None
    claimed_on: date | None = None
    claim_settled_amount: Decimal | None = None
    claim_closed_on: date | None = None
    return_id: int | None = None
    allowed_triggers: list[str] = Field(default_factory=list)
