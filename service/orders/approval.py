"""HQ's approval after the credit check (credit_release rules), and finance ending a hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.masterdata.models import Customer
from service.numbering import document_number
from service.orders.credit import check_credit
from service.orders.models import Order
from service.orders.queries import load, order_out
from service.orders.schemas import ApprovalOut, CreditReason, OrderApproval, OrderOut
from service.schemas import Dated
from workflows import GuardContext, WorkflowError


def approve(
    session: Session, ctx: Context, *, order_id: int, data: OrderApproval | None = None
) -> ApprovalOut:
    """HQ approves: credit_release decides first; approved and numbered (R4), or held. On the
    business date given (not before the order date), numbered in its year; the credit check
    goes by the rules in force today and the exposure as it stands now."""
    # The rules in force today hold or release it (R30, R32); held, it waits for finance without
    # a number. The decision is journalled with its explanation (R18).
    order = load(session, order_id)
    ctx = _dated(session, ctx, order, data)
    _refuse_early(session, ctx, order, "approve")
    # Approvals of one customer queue here, so each sees the others' orders in its exposure.
    session.execute(select(Customer.id).where(Customer.id == order.customer_id).with_for_update())
    credit = check_credit(session, ctx, order)
    if credit.hold:
        ctx.fire(
            session,
            order,
            "hold_for_credit",
            payload={"reason": credit.reason},
            decisions=credit.journal(),
            if_match=True,
        )
    else:
        fire_numbered(session, ctx, order, "approve", payload={}, decisions=credit.journal())
    out = order_out(order, ctx.workflows.flow(Order)).model_dump()
    return ApprovalOut.model_validate(out | {"credit_decision": credit.to_dict()})


def release_credit(
    session: Session, ctx: Context, *, order_id: int, data: CreditReason
) -> OrderOut:
    """Finance releases a held order with a written reason; it gets its number (R4), in the year
    of the business date given (not before the order was held)."""
    order = load(session, order_id)
    ctx = _dated(session, ctx, order, data)
    fire_numbered(session, ctx, order, "release_credit", payload={"reason": data.reason})
    return order_out(order, ctx.workflows.flow(Order))


def reject_credit(session: Session, ctx: Context, *, order_id: int, data: CreditReason) -> OrderOut:
    """Finance refuses credit for a held order, with a written reason (on the business date
    given, not before the order was held)."""
    order = load(session, order_id)
    ctx = _dated(session, ctx, order, data)
    ctx.fire(session, order, "reject_credit", payload={"reason": data.reason}, if_match=True)
    return order_out(order, ctx.workflows.flow(Order))


def _dated(session: Session, ctx: Context, order: Order, data: Dated | None) -> Context:
    """The context on the business date given, not before the order date."""
    day = data.business_date if data is not None else None
    return ctx.dated(session, day, field="business_date", not_before=order.order_date)


def _refuse_early(session: Session, ctx: Context, order: Order, trigger: str) -> None:
    """Refuse `trigger` as firing it would (state, role, guards) before any work is done."""
    flow = ctx.workflows.flow(Order)
    try:
        context = GuardContext(document=order, actor=ctx.actor, today=ctx.today)
        flow.fire(order.state, trigger, roles=ctx.actor.roles, context=context)
    except WorkflowError:
        # Fire it for real, so the refusal is exactly the trigger's, a stale If-Match first.
        ctx.fire(session, order, trigger, if_match=True)
        raise


def fire_numbered(
    session: Session,
    ctx: Context,
    order: Order,
    trigger: str,
    *,
    payload: dict[str, Any],
    decisions: list[dict[str, Any]] | None = None,
) -> None:
    """Fire a trigger that approves the order, then give it its company order number (R4)."""
    # Allocated inside the transaction: a refused approval rolls the number back (no gaps).
    number = document_number(session, "SO", ctx.day.year)
    ctx.fire(
        session,
        order,
        trigger,
        payload=payload | {"company_order_no": number},
        decisions=decisions,
        if_match=True,
    )
    order.company_order_no = number
    session.flush()
