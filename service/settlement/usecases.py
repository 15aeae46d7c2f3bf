"""Settling (R23, R27-R29): a confirmed statement's invoices pass the gate together, all or
nothing, or one invoice of it alone. What passes is recorded as a settlement (the day, the power
of attorney of the person collecting, the invoices) and moved by the lifecycles: the invoices
signed/resolved -> settled, their orders invoiced -> settled once none of their invoices is still
on its way, and the statement confirmed -> settled once every invoice on it is settled."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from service.context import Context
from service.errors import Invalid
from service.invoices import queries as invoices
from service.invoices.models import Invoice
from service.numbering import document_number
from service.orders.models import Order
from service.settlement.blockers import INVOICE_BLOCKED, STATEMENT_BLOCKED, SettlementBlocked
from service.settlement.gate import SETTLE, Gate, InvoiceCheck, check, pending_states
from service.settlement.models import SettledInvoice, Settlement
from service.settlement.queries import (
    blocking,
    check_of,
    settlements_of,
    statement_invoices,
)
from service.settlement.schemas import SettleIn, SettlementOut
from service.statements import queries as statements
from service.statements.models import Statement
from service.workflow import RowRef

ZERO = Decimal("0.00")


def _day(ctx: Context, data: SettleIn, statement: Statement | None) -> date:
    """The settlement day: not later than today, not before the statement was confirmed."""
    day = data.day or ctx.today
    if day > ctx.today:
        raise Invalid("settlement.day_in_future", field="day", day=day)
    confirmed_on = statement.confirmed_on if statement is not None else None
    if confirmed_on is not None and day < confirmed_on:
        raise Invalid(
            "settlement.day_before_confirmation",
            field="day",
            day=day,
            statement_no=statement.statement_no if statement else None,
            confirmed_on=confirmed_on,
        )
    return day


def settle_statement(
    session: Session, ctx: Context, *, statement_no: str, data: SettleIn
) -> SettlementOut:
    """Every invoice on the confirmed statement not yet settled passes the gate, or none does:
    refused with every condition that blocks (`settlement.blocked`)."""
    statement = statements.load(session, statement_no, for_update=True)
    day = _day(ctx, data, statement)
    ctx = ctx.carried(session, data.day, field="day")
    gate = check_of(session, ctx, statement, day, data.attorney_id, attorney_field="attorney_id")
    blocked = blocking(gate, statement)
    if blocked:
        raise SettlementBlocked(STATEMENT_BLOCKED, blocked, statement_no=statement.statement_no)
    due = [i for i in gate.invoices if i.waiting]
    made = _record(session, ctx, statement, gate, due, data)
    ctx.fire(session, statement, SETTLE, payload=_payload(made, due), if_match=True)
    _settle(session, ctx, made, due)
    return _answer(session, statement, made)


def settle_invoice(
    session: Session, ctx: Context, *, invoice_id: int, data: SettleIn
) -> SettlementOut:
    """One invoice of a confirmed statement passes the gate alone; the statement is settled
    with its last invoice."""
    invoice = invoices.load(session, invoice_id)
    statement = (
        session.get(Statement, invoice.statement_id, with_for_update=True)
        if invoice.statement_id is not None
        else None
    )
    day = _day(ctx, data, statement)
    ctx = ctx.carried(session, data.day, field="day")
    gate = check(
        session,
        ctx.workflows,
        invoice_ids=[invoice.id],
        day=day,
        attorney_id=data.attorney_id,
        attorney_field="attorney_id",
        tz=ctx.settings.tz,
    )
    [found] = gate.invoices
    if found.blockers or statement is None:
        blocked = [(found.invoice_no, x) for x in found.blockers]
        raise SettlementBlocked(INVOICE_BLOCKED, blocked, invoice_no=found.invoice_no)
    made = _record(session, ctx, statement, gate, [found], data)
    _settle(session, ctx, made, [found], addressed=found.id)
    still = session.scalar(
        select(func.count())
        .select_from(Invoice)
        .where(
            Invoice.id.in_(statement_invoices(statement)),
            Invoice.state.in_(pending_states(ctx.workflows.flow(Invoice))),
        )
    )
    if not still:
        ctx.fire(session, statement, SETTLE, payload=_payload(made, [found]))
    return _answer(session, statement, made)


def _record(
    session: Session,
    ctx: Context,
    statement: Statement,
    gate: Gate,
    due: Sequence[InvoiceCheck],
    data: SettleIn,
) -> Settlement:
    """The settlement and the invoices it settles (each once, ever: a unique key)."""
    attorney = gate.attorneys[statement.customer_id]
    assert attorney is not None  # no power of attorney to collect blocks (R28)
    made = Settlement(
        settlement_no=document_number(session, "JS", ctx.day.year),
        customer_id=statement.customer_id,
        statement_id=statement.id,
        day=gate.day,
        attorney_id=attorney.id,
        attorney_name=attorney.name,
        note=data.note,
        invoices=len(due),
        amount=sum((i.total for i in due), start=ZERO),
        settled_by=ctx.actor.username,
    )
    session.add(made)
    session.flush()
    session.add_all(
        SettledInvoice(settlement_id=made.id, invoice_id=i.id, amount=i.total) for i in due
    )
    session.flush()
    return made


def _payload(made: Settlement, due: Sequence[InvoiceCheck]) -> dict[str, object]:
    return {
        "settlement_no": made.settlement_no,
        "day": made.day,
        "attorney_id": made.attorney_id,
        "attorney_name": made.attorney_name,
        "note": made.note,
        "invoices": [i.invoice_no for i in due],
        "amount": made.amount,
    }


def _settle(
    session: Session,
    ctx: Context,
    made: Settlement,
    due: Sequence[InvoiceCheck],
    *,
    addressed: int | None = None,
) -> None:
    """The invoices move to settled, then each of their orders none of whose invoices is still
    on its way to the gate (follow-up invoices of a shortage do not move an order)."""
    payload = {"settlement_no": made.settlement_no, "day": made.day}
    for invoice in due:
        ctx.fire(
            session,
            RowRef(Invoice, invoice.id, invoice.state, invoice.version),
            SETTLE,
            payload=payload,
            if_match=invoice.id == addressed,
        )
    order_flow = ctx.workflows.flow(Order)
    pending = aliased(Invoice)
    orders = session.execute(
        select(Order.id, Order.state, Order.version)
        .where(
            Order.id.in_({i.order_id for i in due}),
            Order.state.in_(order_flow.sources_of(SETTLE)),
            ~exists().where(
                pending.order_id == Order.id,
                pending.kind == "blue",
                pending.follow_up_of_id.is_(None),
                pending.state.in_(pending_states(ctx.workflows.flow(Invoice))),
            ),
        )
        .order_by(Order.id)
    ).all()
    for order_id, state, version in orders:
        ctx.fire(session, RowRef(Order, order_id, state, version), SETTLE, payload=payload)


def _answer(session: Session, statement: Statement, made: Settlement) -> SettlementOut:
    return next(
        s for s in settlements_of(session, statement) if s.settlement_no == made.settlement_no
    )
