"""What the collection pages and the collection letter (催款函) show of one customer: its open
items with their age, the ageing by due date in the `ageing_buckets` setting's buckets (one
customer's open invoices, read through the partial index of what is outstanding), its collection
tasks, contacts, promises, escalations and case."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import ledger
from service.collection.history import History, histories
from service.collection.legal import customer_of
from service.collection.models import CollectionContact, CollectionTask, LegalCase, PromiseToPay
from service.collection.queries import task_out
from service.collection.schemas import CollectionTaskOut
from service.context import Context
from service.invoices.models import Invoice
from service.journal import Event

ZERO = Decimal("0.00")
BAR_WIDTH = 320
COLOURS = ("#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#d84315", "#b71c1c", "#7f0000")


@dataclass(frozen=True)
class Item:
    invoice_no: str
    fapiao_no: str | None
    due_date: date | None
    total: Decimal
    outstanding: Decimal
    days_overdue: int


@dataclass(frozen=True)
class Bar:
    code: str
    low: int
    high: int | None
    amount: Decimal
    width: float
    colour: str


@dataclass
class Sheet:
    code: str
    name: str
    state: str
    grade: str
    credit_limit: Decimal
    outstanding: Decimal
    unapplied: Decimal
    today: date
    items: list[Item] = field(default_factory=list)
    bars: list[Bar] = field(default_factory=list)
    overdue: Decimal = ZERO
    tasks: list[CollectionTaskOut] = field(default_factory=list)
    contacts: list[Any] = field(default_factory=list)
    promises: list[Any] = field(default_factory=list)
    escalations: list[Any] = field(default_factory=list)
    case_id: int | None = None
    # The case's outcome once legal closed it (recovered: it may be handed over again).
    case_outcome: str | None = None
    history: History = field(default_factory=History)


def bars(items: list[Item], edges: tuple[int, ...]) -> list[Bar]:
    """Not due, then one bar per bucket of days past due, the oldest open-ended."""
    bounds: list[tuple[str, int, int | None]] = [("not_due", -(10**6), 0)]
    low = 1
    for high in edges:
        bounds.append((f"{low}_{high}", low, high))
        low = high + 1
    bounds.append((f"over_{edges[-1]}", low, None))
    sums = [
        sum(
            (
                i.outstanding
                for i in items
                if lo <= i.days_overdue and (hi is None or i.days_overdue <= hi)
            ),
            ZERO,
        )
        for _c, lo, hi in bounds
    ]
    largest = max(sums, default=ZERO)
    return [
        Bar(
            code,
            max(lo, 0),
            hi,
            amount,
            round(float(amount / largest * BAR_WIDTH), 1) if largest > 0 else 0.0,
            COLOURS[min(n, len(COLOURS) - 1)],
        )
        for n, ((code, lo, hi), amount) in enumerate(zip(bounds, sums, strict=True))
    ]


def sheet(session: Session, ctx: Context, *, code: str) -> Sheet:
    customer = customer_of(session, code)
    owed = ledger.balance(session, customer.id)
    today = ctx.today
    found = Sheet(
        customer.code,
        customer.name,
        customer.state,
        customer.grade,
        customer.credit_limit,
        owed.outstanding,
        owed.unapplied,
        today,
    )
    open_invoices = session.execute(
        select(
            Invoice.invoice_no,
            Invoice.fapiao_no,
            Invoice.due_date,
            Invoice.total,
            Invoice.outstanding,
        )
        .where(Invoice.customer_id == customer.id, Invoice.outstanding != 0)
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    found.items = [
        Item(no, fapiao, due, total, left, (today - due).days if due else 0)
        for no, fapiao, due, total, left in open_invoices
    ]
    found.overdue = sum((i.outstanding for i in found.items if i.days_overdue > 0), ZERO)
    found.bars = bars(found.items, tuple(ctx.settings.ageing_buckets))
    tasks = session.scalars(
        select(CollectionTask)
        .where(CollectionTask.customer_id == customer.id)
        .order_by(CollectionTask.id.desc())
        .limit(100)
    ).all()
    found.tasks = [task_out(t, customer, ctx) for t in tasks]
    found.contacts = list(
        session.scalars(
            select(CollectionContact)
            .where(CollectionContact.customer_id == customer.id)
            .order_by(CollectionContact.id.desc())
            .limit(100)
        )
    )
    found.promises = list(
        session.scalars(
            select(PromiseToPay)
            .where(PromiseToPay.customer_id == customer.id)
            .order_by(PromiseToPay.id.desc())
            .limit(100)
        )
    )
    found.escalations = list(
        session.scalars(
            select(Event)
            .where(
                Event.entity_type == "collection_task",
                Event.entity_id.in_([t.id for t in tasks]),
                Event.trigger == "escalate",
            )
            .order_by(Event.id.desc())
        )
    )
    found.history = histories(session, [customer.id], today).get(customer.id, History())
    case = session.execute(
        select(LegalCase.id, LegalCase.outcome).where(LegalCase.customer_id == customer.id)
    ).first()
    if case is not None:
        found.case_id, found.case_outcome = case.id, case.outcome
    return found
