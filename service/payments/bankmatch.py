"""What a bank statement line pays, found from its remittance text and payer: the invoices,
fapiao, statements and customer codes it names, and the customer whose exact name pays.

It matches only when nothing is in doubt: one customer, and a statement it names whose amount
still to be paid equals the line's amount (the statement is paid), or invoices it names whose
outstanding amounts add up to it (a remittance on them). Anything else waits for a person with
the reason; the candidates (customers found, their open invoices and statements nearest the
amount) are what the person's page shows. Nothing here writes.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from service.context import Context
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.payments.models import Payment
from service.statements.models import Statement

ZERO = Decimal("0.00")
_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-_/.]*[A-Z0-9]|[A-Z0-9]")
_DIGITS = re.compile(r"\d+")
# The lengths of fapiao numbers: 8 (the paper invoice's) and 20 (数电票).
FAPIAO_DIGITS = (8, 20)
MAX_TOKENS = 40
NEAR = 10  # candidates of each kind the page shows per customer


@dataclass(frozen=True)
class NamedInvoice:
    id: int
    invoice_no: str
    fapiao_no: str | None
    customer_id: int
    outstanding: Decimal
    state: str
    open: bool


@dataclass(frozen=True)
class NamedStatement:
    id: int
    statement_no: str
    customer_id: int
    amount_due: Decimal
    to_pay: Decimal
    state: str
    open: bool


@dataclass
class Found:
    """What the line names, and the customers that points to (id -> how it was found)."""

    customers: dict[int, list[str]] = field(default_factory=dict)
    invoices: list[NamedInvoice] = field(default_factory=list)
    statements: list[NamedStatement] = field(default_factory=list)

    def point(self, customer_id: int, how: str) -> None:
        ways = self.customers.setdefault(customer_id, [])
        if how not in ways:
            ways.append(how)


@dataclass(frozen=True)
class Decision:
    """Match to `customer_id` paying `statement_no` or `remittance`; or wait (`reason`)."""

    customer_id: int | None
    statement_no: str | None = None
    remittance: tuple[tuple[str, Decimal], ...] = ()
    reason: str | None = None

    @property
    def matches(self) -> bool:
        return self.reason is None


def tokens(text: str) -> list[str]:
    """The words of the text that could be document numbers or codes (capitals, half-width)."""
    found = _TOKEN.findall(unicodedata.normalize("NFKC", text).upper())
    # A fapiao number written with something before it ("FP26440000000000000002").
    found += [
        run
        for word in found
        for run in _DIGITS.findall(word)
        if run != word and len(run) in FAPIAO_DIGITS
    ]
    return list(dict.fromkeys(t for t in found if len(t) <= 64))[:MAX_TOKENS]


def _paid_on(session: Session, ctx: Context, statement_ids: list[int]) -> dict[int, Decimal]:
    counted = ctx.workflows.tagged(Payment, "counted")
    rows = session.execute(
        select(Payment.statement_id, func.sum(Payment.amount))
        .where(Payment.statement_id.in_(statement_ids), Payment.state.in_(counted))
        .group_by(Payment.statement_id)
    ).all()
    return {int(statement_id or 0): Decimal(total) for statement_id, total in rows}


def statements_out(session: Session, ctx: Context, rows: list[Statement]) -> list[NamedStatement]:
    paying = set(ctx.workflows.flow(Statement).sources_of("pay"))
    paid = _paid_on(session, ctx, [s.id for s in rows])
    return [
        NamedStatement(
            s.id,
            s.statement_no,
            s.customer_id,
            s.amount_due,
            s.amount_due - paid.get(s.id, ZERO),
            s.state,
            s.state in paying,
        )
        for s in rows
    ]


def invoices_out(ctx: Context, rows: list[Invoice]) -> list[NamedInvoice]:
    paying = set(ctx.workflows.flow(Invoice).sources_of("pay"))
    return [
        NamedInvoice(
            i.id,
            i.invoice_no,
            i.fapiao_no,
            i.customer_id,
            i.outstanding,
            i.state,
            i.state in paying and i.kind == "blue" and i.outstanding > ZERO,
        )
        for i in rows
    ]


def find(session: Session, ctx: Context, *, payer: str, text: str) -> Found:
    """What the remittance text names and whose exact name the payer is."""
    found = Found()
    words = tokens(text)
    if words:
        invoices = session.scalars(
            select(Invoice)
            .where(or_(Invoice.invoice_no.in_(words), Invoice.fapiao_no.in_(words)))
            .order_by(Invoice.invoice_no)
        ).all()
        found.invoices = invoices_out(ctx, list(invoices))
        for invoice in found.invoices:
            found.point(invoice.customer_id, "invoice")
        statements = session.scalars(
            select(Statement)
            .where(Statement.statement_no.in_(words))
            .order_by(Statement.statement_no)
        ).all()
        found.statements = statements_out(session, ctx, list(statements))
        for statement in found.statements:
            found.point(statement.customer_id, "statement")
        for customer_id in session.scalars(
            select(Customer.id).where(func.upper(Customer.code).in_(words))
        ):
            found.point(customer_id, "code")
    if payer:
        for customer_id in session.scalars(select(Customer.id).where(Customer.name == payer)):
            found.point(customer_id, "payer")
    return found


def decide(found: Found, amount: Decimal) -> Decision:
    """Match when the line pays one named statement or the named invoices exactly."""
    if not found.customers:
        return Decision(None, reason="bank.waiting.no_customer")
    if len(found.customers) > 1:
        return Decision(None, reason="bank.waiting.several_customers")
    (customer_id,) = found.customers
    statements = [s for s in found.statements if s.open and s.to_pay == amount]
    if len(statements) == 1:
        return Decision(customer_id, statement_no=statements[0].statement_no)
    if len(statements) > 1:
        return Decision(customer_id, reason="bank.waiting.amount_ambiguous")
    invoices = [i for i in found.invoices if i.open]
    if invoices and sum((i.outstanding for i in invoices), ZERO) == amount:
        return Decision(
            customer_id, remittance=tuple((i.invoice_no, i.outstanding) for i in invoices)
        )
    if found.invoices or found.statements:
        return Decision(customer_id, reason="bank.waiting.amount_differs")
    return Decision(customer_id, reason="bank.waiting.nothing_named")


def nearest(
    session: Session, ctx: Context, customer_id: int, amount: Decimal
) -> dict[str, list[Any]]:
    """The customer's open invoices and statements to pay whose amounts are nearest `amount`."""
    invoice_states = ctx.workflows.flow(Invoice).sources_of("pay")
    distance = func.abs(Invoice.outstanding - amount)
    invoices = session.scalars(
        select(Invoice)
        .where(
            Invoice.customer_id == customer_id,
            Invoice.outstanding > 0,
            Invoice.kind == "blue",
            Invoice.state.in_(invoice_states),
        )
        .order_by(distance, Invoice.invoice_no)
        .limit(NEAR)
    ).all()
    statement_states = ctx.workflows.flow(Statement).sources_of("pay")
    statements = session.scalars(
        select(Statement)
        .where(Statement.customer_id == customer_id, Statement.state.in_(statement_states))
        .order_by(func.abs(Statement.amount_due - amount), Statement.statement_no)
        .limit(NEAR)
    ).all()
    return {
        "invoices": invoices_out(ctx, list(invoices)),
        "statements": statements_out(session, ctx, list(statements)),
    }
