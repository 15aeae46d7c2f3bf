"""Request and response bodies of bank statement imports and their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field

from service.payments.schemas import DocumentNo, RemittanceLineIn
from service.schemas import Note, Reason, Request, Response, ShortCode

BankLineState = Literal["unmatched", "matched", "ignored"]
Outcome = Literal["booked", "matched_existing", "waiting", "already", "skipped", "error"]


class BankUpload(Request):
    """What identifies an uploaded statement file for its Idempotency-Key: name and content."""

    file: str
    sha256: str
    dry_run: bool


class LineProblem(Response):
    """What is wrong with one field of one line of the file (nothing of that line is stored)."""

    line: int
    field: str
    code: str
    reason: str
    params: dict[str, Any] = Field(description="the values the reason names")


class LineOutcome(Response):
    """What became of one line: `booked` (matched, its payment booked), `matched_existing`
    (its bank reference was already a payment: matched to it, nothing booked), `waiting` (stored,
    for a person), `already` (imported before: nothing done), `skipped` (a debit or zero line),
    `error` (see the problems; nothing stored)."""

    line: int
    outcome: Outcome
    bank_reference: str
    amount: Decimal | None
    bank_line_id: int | None = None
    payment_no: str | None = None
    reason: str | None = Field(default=None, description="why it waits (a code)")
    reason_params: dict[str, Any] | None = None


class BankImportOut(Response):
    """What an import did (or, `dry_run`, would do: nothing was stored)."""

    import_id: int | None
    file: str
    dry_run: bool
    lines_read: int
    new: int = Field(description="lines stored now")
    already: int = Field(description="lines imported before (by bank reference)")
    matched: int = Field(description="new lines matched: booked, or to a payment recorded before")
    booked: int = Field(description="payments booked from new lines")
    waiting: int = Field(description="new lines waiting for a person")
    skipped: int = Field(description="debits and zero lines")
    errors: int = Field(description="lines refused (see problems)")
    lines: list[LineOutcome]
    problems: list[LineProblem]


class BankLineSummary(Response):
    id: int
    import_id: int
    line_no: int
    value_date: date
    amount: Decimal
    payer: str
    bank_reference: str
    remittance_text: str
    state: str
    customer_code: str | None
    payment_no: str | None
    waiting_reason: str | None = Field(description="why it waits (a code), while unmatched")
    waiting_params: dict[str, Any] | None


class CandidateCustomer(Response):
    code: str
    name: str
    found_by: list[str] = Field(description="invoice, statement, code (in the text), payer")


class CandidateInvoice(Response):
    invoice_no: str
    fapiao_no: str | None
    customer_code: str
    outstanding: Decimal
    state: str
    named: bool = Field(description="the line's text names it")
    payable: bool = Field(description="a payment may reach it (open, not disputed)")
    difference: Decimal = Field(description="the line's amount less what is owed on it")


class CandidateStatement(Response):
    statement_no: str
    customer_code: str
    amount_due: Decimal
    to_pay: Decimal = Field(description="its amount due less payments recorded for it")
    state: str
    named: bool
    payable: bool
    difference: Decimal


class Candidates(Response):
    customers: list[CandidateCustomer]
    invoices: list[CandidateInvoice]
    statements: list[CandidateStatement]


class BankLineOut(BankLineSummary):
    version: int
    raw: dict[str, str] = Field(description="the row as the file had it")
    file: str
    ignore_reason: str | None
    created_at: datetime
    allowed_triggers: list[str]
    candidates: Candidates


class BankMatchIn(Request):
    """The payment a person books from a waiting line: the customer, and the statement or the
    invoices it pays (neither: oldest due first); amount, value date, payer and bank reference
    are the line's."""

    customer_code: ShortCode
    statement_no: DocumentNo | None = None
    remittance: list[RemittanceLineIn] = Field(default_factory=list, max_length=500)
    note: Note = ""


class BankIgnoreIn(Request):
    reason: Reason
