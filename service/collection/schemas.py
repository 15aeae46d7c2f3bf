"""Collection request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from service.schemas import Day, Money, Note, Reason, Request, Response

Channel = Literal["call", "visit", "letter", "email"]
Due = Literal["today", "overdue"]
Priority = Literal["high", "normal", "low"]


class MoveIn(Request):
    note: Note = Field(default="", description="what was done, or why")


class ContactIn(Request):
    channel: Channel
    notes: Note = ""
    day: Day | None = Field(default=None, description="the day of the contact (default: today)")


class PromiseIn(Request):
    amount: Money = Field(gt=0, le=Decimal("10000000000.00"))
    due_on: Day = Field(description="the day the customer promised to pay by (not past)")


class ContactOut(Response):
    id: int
    task_id: int
    channel: str
    notes: str
    day: date
    made_by: str
    created_at: datetime


class PromiseOut(Response):
    id: int
    task_id: int
    amount: Decimal
    made_on: date
    due_on: date
    grace_until: date
    made_by: str
    outcome: str
    received: Decimal | None
    judged_on: date | None


class CollectionTaskOut(Response):
    id: int
    condition: str
    customer_code: str
    customer_name: str
    period: str
    state: str
    owner_role: str
    level: int
    priority: str
    assignee: str | None
    raised_on: date
    level_since: date
    due_on: date
    repeat_days: int
    escalate_after_days: int
    amount: Decimal
    days_overdue: int
    decision: dict[str, Any]
    resolution: str
    version: int
    created_at: datetime
    closed_at: datetime | None
    allowed_triggers: list[str] = Field(default_factory=list)


class CollectionTaskDetail(CollectionTaskOut):
    contacts: list[ContactOut] = Field(default_factory=list)
    promises: list[PromiseOut] = Field(default_factory=list)


class HandoverIn(Request):
    reason: Reason


Outcome = Literal["recovered", "written_off"]


class CaseCloseIn(Request):
    outcome: Outcome = Field(
        description="recovered: the customer back to suspended; written_off: it stays with legal"
    )
    note: Note = Field(default="", description="what was recovered or why it is written off")


class CaseInvoice(Response):
    invoice_no: str
    fapiao_no: str | None
    kind: str
    state: str
    total: Decimal
    outstanding: Decimal
    term_start: date | None
    due_date: date | None


class CaseStatement(Response):
    statement_no: str
    settlement_date: date
    state: str
    amount_due: Decimal


class CasePayment(Response):
    payment_no: str
    value_date: date
    amount: Decimal
    state: str


class CaseEscalation(Response):
    task_id: int
    occurred_at: datetime
    from_state: str | None
    owner_role: str
    level: int


class CaseOut(Response):
    id: int
    customer_code: str
    customer_name: str
    opened_on: date
    opened_by: str
    reason: str
    outstanding: Decimal
    unapplied: Decimal
    outcome: Outcome | None = None
    closed_on: date | None = None
    closed_by: str | None = None
    close_note: str | None = None


class CaseDetail(CaseOut):
    invoices: list[CaseInvoice]
    statements: list[CaseStatement]
    tasks: list[CollectionTaskOut]
    contacts: list[ContactOut]
    promises: list[PromiseOut]
    payments: list[CasePayment]
    escalations: list[CaseEscalation]
