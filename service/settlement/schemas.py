"""Request and response bodies of the settlement gate: the check of an invoice or a statement,
settling, and the settlements made."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import Field

from service.schemas import Day, Id, Note, Request, Response


class BlockerOut(Response):
    """One condition that blocks settling, in words, with the facts that make it."""

    code: str = Field(description="stable: `settlement.contract_expired`")
    rule: str = Field(description="the rule it stands for: R23, R27, R28 or R29")
    detail: str = Field(description="what blocks, in the reader's language")
    facts: dict[str, Any] = Field(
        description="the documents and values it names (invoice_no, contract_no, valid_to, ...)"
    )


class AttorneyRef(Response):
    """The power of attorney of the person collecting (R28)."""

    id: int
    attorney_name: str
    valid_from: date
    valid_to: date
    contract_no: str | None


class InvoiceCheckOut(Response):
    """An invoice at the gate on `day`: settleable, or every condition that blocks it."""

    invoice_id: int
    invoice_no: str
    kind: str
    state: str
    total: Decimal
    statement_no: str | None
    settleable: bool
    settled: bool = Field(description="it has passed the gate already")
    settlement_no: str | None = Field(description="the settlement that settled it")
    blockers: list[BlockerOut]


class InvoiceSettlementOut(InvoiceCheckOut):
    customer_code: str
    day: date
    attorney: AttorneyRef | None


class SettlementOut(Response):
    """Invoices of one confirmed statement that passed the gate together."""

    settlement_no: str
    statement_no: str
    customer_code: str
    day: date
    attorney_id: int
    attorney_name: str
    note: str
    invoices: list[str] = Field(description="the invoice numbers it settled")
    amount: Decimal
    settled_by: str
    settled_at: datetime


class StatementSettlementOut(Response):
    """A statement at the gate on `day`: settleable when every invoice on it not yet settled
    is; `blockers` are those of the statement and its customer (every invoice shares them)."""

    statement_no: str
    state: str
    customer_code: str
    settlement_date: date
    day: date
    attorney: AttorneyRef | None
    settleable: bool
    blockers: list[BlockerOut]
    invoices: list[InvoiceCheckOut]
    amount: Decimal = Field(description="the total of its invoices still to settle, yuan")
    settlements: list[SettlementOut]


class SettleIn(Request):
    """Settle on `day` (default today, not later), collected under the power of attorney
    `attorney_id` (default: the customer's valid one for collecting)."""

    day: Day | None = None
    attorney_id: Id | None = None
    note: Note = ""
