"""What the settlement gate's pages show: a statement's settlement check (each invoice with what
blocks it in words, and links to the blocking documents), the settle form's choices and the
settlements made; the panels it adds to the invoice's and the statement's pages. Read from the
feature's queries, never through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.context import Context
from service.invoices.models import Invoice
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer
from service.settlement.blockers import Blocker
from service.settlement.gate import SETTLE, Gate, InvoiceCheck, check, settled_states
from service.settlement.models import Settlement
from service.settlement.parties import COLLECT, Attorney
from service.settlement.queries import blocking, check_of, settled, settlements_of
from service.settlement.schemas import SettlementOut
from service.statements import queries as statements
from service.statements.models import Statement

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Link:
    """A document a blocker names, and where its page is."""

    label: str
    href: str


# The facts that name a document, the page it has, and the fact its link shows.
_DOCUMENTS: tuple[tuple[str, str, str], ...] = (
    ("invoice_id", "/web/invoices/{invoice_id}", "invoice_no"),
    ("statement_no", "/web/statements/{statement_no}", "statement_no"),
    ("exception_id", "/web/exceptions/{exception_id}", "exception_id"),
    ("return_id", "/web/returns/{return_id}", "return_no"),
    ("dispute_id", "/web/statements/{statement_no}#disputes", "dispute_id"),
    ("contract_no", "/web/contracts/{contract_no}", "contract_no"),
    ("attorney_id", "/web/attorneys/{attorney_id}", "attorney_name"),
    ("customer_code", "/web/customers/{customer_code}", "customer_code"),
)


def links(blocker: Blocker) -> list[Link]:
    """The documents a blocker names, each with its page."""
    facts = blocker.facts
    return [
        Link(label=str(facts.get(shown) or facts[key]), href=path.format(**facts))
        for key, path, shown in _DOCUMENTS
        if facts.get(key) is not None
    ]


@dataclass(frozen=True)
class Row:
    """An invoice of the statement on the page: its check, its own blockers (those every
    invoice shares are shown once, above) and the settlement that settled it."""

    check: InvoiceCheck
    own: list[Blocker]
    settlement_no: str | None


@dataclass(frozen=True)
class Sheet:
    """A statement's settlement check on a day, as its page shows it."""

    statement: Statement
    customer: Customer
    day: date
    attorney: Attorney | None
    attorney_id: int | None
    common: list[Blocker]
    rows: list[Row]
    settleable: bool
    # Every invoice on it has passed the gate: the statement is settled.
    settled: bool
    amount: Decimal
    # The customer's powers of attorney to collect (masterdata's AttorneyOut), for the form.
    attorneys: list[Any]
    settlements: list[SettlementOut]
    may_settle: bool
    links: Callable[[Blocker], list[Link]] = links


def _may(ctx: Context, machine: str, state: str) -> bool:
    """Whether the reader may take the `settle` step from `state` (guards apart)."""
    flow = ctx.workflows[machine]
    return flow.allows(state, SETTLE) and bool(flow.roles_for(SETTLE) & ctx.actor.roles)


def sheet(
    session: Session,
    ctx: Context,
    *,
    statement_no: str,
    on: date | None = None,
    attorney: int | None = None,
) -> Sheet:
    """The statement's invoices at the gate on `on` (default today), collected under
    `attorney` (default the customer's valid power of attorney for collecting)."""
    found = statements.load(session, statement_no)
    gate = check_of(session, ctx, found, on, attorney)
    customer = session.get_one(Customer, found.customer_id)
    common = gate.common(found.customer_id, found.id)
    numbers = settled(session, [i.id for i in gate.invoices])
    rows = [
        Row(
            check=i, own=[b for b in i.blockers if b not in common], settlement_no=numbers.get(i.id)
        )
        for i in gate.invoices
    ]
    collectors = [
        a
        for a in masterdata.attorneys(session, ctx, code=customer.code)
        if COLLECT in a.scope and (a.state == "valid" or a.id == attorney)
    ]
    return Sheet(
        statement=found,
        customer=customer,
        day=gate.day,
        attorney=gate.attorneys.get(found.customer_id),
        attorney_id=attorney,
        common=common,
        rows=rows,
        settleable=not blocking(gate, found),
        settled=found.state in settled_states(ctx.workflows.flow(Statement)),
        amount=sum((i.total for i in gate.invoices if i.waiting), ZERO),
        attorneys=collectors,
        settlements=settlements_of(session, found),
        may_settle=_may(ctx, "statement", found.state),
    )


def statement_of(session: Session, _ctx: Context, *, invoice_id: int) -> str | None:
    """The number of the statement listing the invoice (its settlement page), if any."""
    return session.scalar(
        select(Statement.statement_no)
        .join(Invoice, Invoice.statement_id == Statement.id)
        .where(Invoice.id == invoice_id)
    )


# --- panels on other documents' pages ----------------------------------------------------------


def invoice_panel(session: Session, ctx: Context, invoice_id: int) -> dict[str, Any] | None:
    """The invoice's page: may it be settled today, or what blocks it; settled by which
    settlement; and for finance, settling it alone."""
    gate: Gate = check(
        session, ctx.workflows, invoice_ids=[invoice_id], day=ctx.today, tz=ctx.settings.tz
    )
    if not gate.invoices or gate.invoices[0].kind != "blue":
        return None
    [found] = gate.invoices
    return {
        "check": found,
        "day": gate.day,
        "attorney": gate.attorneys.get(found.customer_id),
        "settlement_no": settled(session, [invoice_id]).get(invoice_id),
        "may_settle": found.settleable and _may(ctx, "invoice", found.state),
        "links": links,
    }


def statement_panel(session: Session, ctx: Context, statement_id: int) -> dict[str, Any] | None:
    """The statement's page: how many of its invoices may be settled today, and the way to
    its settlement check."""
    found = session.get(Statement, statement_id)
    if found is None:
        return None
    gate = check_of(session, ctx, found, None, None)
    return {
        "statement_no": found.statement_no,
        "invoices": len(gate.invoices),
        "settled": sum(1 for i in gate.invoices if i.settled),
        "blocked": sum(1 for i in gate.invoices if i.waiting and i.blockers),
        "settleable": not blocking(gate, found) and _may(ctx, "statement", found.state),
        "common": gate.common(found.customer_id, found.id),
        "links": links,
    }


# The settlements a power of attorney's page lists, latest first.
ATTORNEY_SHOWN = 50


def attorney_panel(session: Session, ctx: Context, attorney_id: int) -> dict[str, Any]:
    """A power of attorney's page (R28): what was collected under it, latest first (the
    statement, the day, how many invoices and how much), and how many in all."""
    under = Settlement.attorney_id == attorney_id
    rows = session.execute(
        select(
            Settlement.settlement_no,
            Settlement.day,
            Settlement.invoices,
            Settlement.amount,
            Settlement.settled_by,
            Settlement.settled_at,
            Statement.statement_no,
        )
        .join(Statement, Statement.id == Settlement.statement_id)
        .where(under)
        .order_by(Settlement.day.desc(), Settlement.id.desc())
        .limit(ATTORNEY_SHOWN)
    ).all()
    total = session.scalar(select(func.count()).select_from(Settlement).where(under)) or 0
    return {"settlements": rows, "total": total}
