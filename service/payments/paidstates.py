"""Invoices, their statements and orders follow the money: partly paid, paid, closed, reopened.

After money was applied to invoices or taken back from them, each invoice touched moves by its
lifecycle (internal triggers, journalled, through the one state writer) to where its figures
put it: paid when nothing is owed on it and payments, deductions or credit were applied to it;
partly paid while something is still owed; and, once a reversal left nothing applied to it,
back to the state it had before its first payment (read from its journal). A statement moves
the same way with its invoices (all paid: paid; some paid or partly paid: partly paid), and so
does an order (every invoice of it paid: closed). Documents in states the money does not move
(a disputed invoice, a statement not yet confirmed) stay where they are. Which states the money
leads to is read from the lifecycles: the destinations of `pay`, `pay_part` and `close`.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import ARRAY, Integer, and_, any_, bindparam, func, select
from sqlalchemy.orm import Session

from service.context import Context
from service.db import Base, table_of
from service.invoices.models import Invoice
from service.journal import Event
from service.ledger import Allocation, LedgerEntry
from service.orders.models import Order
from service.statements.models import Statement
from service.workflow import RowRef, machine_of
from workflows import Flow

ZERO = Decimal("0.00")
# The entries that pay an invoice (a red invoice or a return's credit lowers what is owed, but
# pays nothing).
PAYING = ("payment", "payment_reversal", "deduction", "deduction_reversal", "credit_application")
# Per lifecycle: the trigger to "paid" and the one to "partly paid" (none for orders).
TRIGGERS: dict[type[Base], tuple[str, str | None]] = {
    Invoice: ("pay", "pay_part"),
    Statement: ("pay", "pay_part"),
    Order: ("close", None),
}
PAID, PART, NONE = "paid", "part", "none"


@cache
def _dest(flow: Flow, trigger: str | None) -> str | None:
    return next((t.dest for t in flow.transitions if t.trigger == trigger), None)


def _before_payment(
    session: Session, model: type[Base], entity_id: int, family: Collection[str]
) -> str | None:
    """The state a document was in when the money last moved it in (its journal says)."""
    found = session.scalar(
        select(Event.from_state)
        .where(
            Event.entity_type == machine_of(model),
            Event.entity_id == entity_id,
            Event.to_state.in_(family),
            Event.from_state.not_in(family),
        )
        .order_by(Event.id.desc())
        .limit(1)
    )
    return found


def _trigger(
    session: Session, ctx: Context, model: type[Base], row: Any, standing: str
) -> str | None:
    """What takes the document where its standing puts it (None: it is there, or the money
    does not move it from its state)."""
    flow = ctx.workflows.flow(model)
    to_paid, to_part = TRIGGERS[model]
    paid, part = _dest(flow, to_paid), _dest(flow, to_part)
    family = {s for s in (paid, part) if s is not None}
    trigger: str | None = None
    if standing == PAID and row.state != paid:
        trigger = to_paid
    elif standing == PART and part is not None and row.state != part:
        trigger = f"reopen_{part}" if row.state == paid else to_part
    elif standing != PAID and row.state in family and (standing == NONE or part is None):
        trigger = f"reopen_{_before_payment(session, model, row.id, family)}"
    if trigger is None or not flow.allows(row.state, trigger):
        return None
    return trigger


def _move(
    session: Session,
    ctx: Context,
    model: type[Base],
    standings: Collection[tuple[Any, str]],
    payload: dict[str, Any],
) -> None:
    """Fire what each document's standing asks for, the documents of one trigger at once."""
    batches: dict[str, list[RowRef]] = {}
    for row, standing in standings:
        trigger = _trigger(session, ctx, model, row, standing)
        if trigger is not None:
            batches.setdefault(trigger, []).append(RowRef(model, row.id, row.state, row.version))
    for trigger, documents in batches.items():
        ctx.fire_many(session, documents, trigger, payload=payload)


# What payments, deductions and credit applied to an invoice, net of what was taken back.
_PAID_BY_PAYMENTS = (
    select(func.coalesce(func.sum(Allocation.amount), 0))
    .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
    .where(Allocation.invoice_id == Invoice.id, LedgerEntry.kind.in_(PAYING))
    .correlate(Invoice)
    .scalar_subquery()
    .label("paid")
)


@cache
def _touched(dialect: str) -> Any:
    """The invoices touched with what moves them, built once per dialect: the ids one array
    parameter on PostgreSQL (a payment may touch thousands), an expanding one else."""
    ids = (
        Invoice.id == any_(bindparam("ids", type_=ARRAY(Integer)))
        if dialect == "postgresql"
        else Invoice.id.in_(bindparam("ids", expanding=True))
    )
    return (
        select(
            Invoice.id,
            Invoice.state,
            Invoice.version,
            Invoice.outstanding,
            Invoice.statement_id,
            Invoice.order_id,
            _PAID_BY_PAYMENTS,
        )
        .where(ids)
        .order_by(Invoice.id)
    )


def follow_the_money(
    session: Session, ctx: Context, invoice_ids: Collection[int], payload: dict[str, Any]
) -> None:
    """Move the invoices touched, then their statements and orders."""
    if not invoice_ids:
        return
    session.flush()
    connection = session.connection()
    touched = _touched(connection.dialect.name)
    rows = connection.execute(touched, {"ids": sorted(invoice_ids)}).all()
    standings = []
    for row in rows:
        paid = row.paid > 0
        standings.append((row, NONE if not paid else PAID if row.outstanding == ZERO else PART))
    _move(session, ctx, Invoice, standings, payload)
    statements = {row.statement_id for row in rows if row.statement_id is not None}
    orders = {row.order_id for row in rows}
    _follow_invoices(session, ctx, Statement, Invoice.statement_id, statements, payload)
    _follow_invoices(session, ctx, Order, Invoice.order_id, orders, payload)


@cache
def _with_invoices(model: type[Base], link: Any, counted: tuple[str, ...]) -> Any:
    """The statements or orders (`ids`, an expanding parameter), each with the states of its
    counted invoices, one row per invoice (none: one row, its invoice state NULL)."""
    table = table_of(model)
    return (
        select(table.c.id, table.c.state, table.c.version, Invoice.state.label("invoice_state"))
        .outerjoin(
            Invoice,
            and_(link == table.c.id, Invoice.kind == "blue", Invoice.state.in_(counted)),
        )
        .where(table.c.id.in_(bindparam("ids", expanding=True)))
        .order_by(table.c.id)
    )


def _follow_invoices(
    session: Session,
    ctx: Context,
    model: type[Base],
    link: Any,
    ids: Collection[int],
    payload: dict[str, Any],
) -> None:
    """A statement or an order: paid when every invoice of it is, partly paid when some are
    paid or partly paid. Its invoices: blue ones, drafts included, not voided or discarded."""
    if not ids:
        return
    flow = ctx.workflows.flow(Invoice)
    paid, part = _dest(flow, "pay"), _dest(flow, "pay_part")
    counted = (
        *ctx.workflows.tagged(Invoice, "editable"),
        *ctx.workflows.tagged(Invoice, "receivable"),
        *ctx.workflows.tagged(Invoice, "paid"),
    )
    owners: dict[int, Any] = {}
    states: dict[int, list[str]] = {}
    session.flush()
    for row in session.connection().execute(
        _with_invoices(model, link, counted), {"ids": sorted(ids)}
    ):
        owners.setdefault(row.id, row)
        if row.invoice_state is not None:
            states.setdefault(row.id, []).append(row.invoice_state)
    standings = []
    for row in owners.values():
        mine = states.get(row.id, [])
        standing = (
            PAID
            if mine and all(s == paid for s in mine)
            else PART
            if any(s in (paid, part) for s in mine)
            else NONE
        )
        standings.append((row, standing))
    _move(session, ctx, model, standings, payload)
