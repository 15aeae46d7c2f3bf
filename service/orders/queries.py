"""Reading orders: one order, a filtered list, its history; and the one way to show an order.

Other features read orders through here (`load`), never through the order use cases.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.context import Context
from service.errors import NotFound
from service.masterdata import queries as masterdata
from service.orders.models import Order, OrderLine
from service.orders.schemas import OrderLineOut, OrderOut
from service.receipts.models import Receipt
from service.schemas import EventOut
from workflows import Flow


def load(session: Session, order_id: int, *, for_update: bool = False) -> Order:
    stmt = (
        select(Order)
        .where(Order.id == order_id)
        .options(
            joinedload(Order.customer),
            joinedload(Order.warehouse),
            joinedload(Order.contract),
            # One statement: an order has at most a handful of lines (R3).
            joinedload(Order.lines).joinedload(OrderLine.item),
        )
    )
    if for_update:
        stmt = stmt.with_for_update(of=Order)
    order = session.scalars(stmt).unique().one_or_none()
    if order is None:
        raise NotFound("order.not_found", field="order_id", order_id=order_id)
    return order


def order_out(order: Order, flow: Flow) -> OrderOut:
    """The order as the API shows it, whether just written or read."""
    return OrderOut(
        id=order.id,
        state=order.state,
        version=order.version,
        customer_code=order.customer.code,
        customer_po_no=order.customer_po_no,
        company_order_no=order.company_order_no,
        dc_code=order.warehouse.code,
        contract_no=order.contract.contract_no,
        discount_order_no=order.discount_order_no,
        order_date=order.order_date,
        note=order.note,
        total_amount=order.total_amount,
        created_by=order.created_by,
        created_at=order.created_at,
        imported=order.imported,
        lines=[
            OrderLineOut(
                id=line.id,
                line_no=line.line_no,
                item_code=line.item.code,
                item_name=line.item.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                tax_rate=line.tax_rate,
                amount=line.amount,
            )
            for line in order.lines
        ],
        allowed_triggers=flow.allowed_triggers(order.state),
    )


def get(session: Session, ctx: Context, *, order_id: int) -> OrderOut:
    return order_out(load(session, order_id), ctx.workflows.flow(Order))


def search(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
    customer_po_no: str | None = None,
    company_order_no: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[OrderOut]:
    """Orders, newest first, by state, customer, customer PO number or company order number."""
    stmt = (
        select(Order)
        .options(
            joinedload(Order.customer),
            joinedload(Order.warehouse),
            joinedload(Order.contract),
            selectinload(Order.lines).joinedload(OrderLine.item),
        )
        .order_by(Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state:
        stmt = stmt.where(Order.state == state)
    if customer_code:
        stmt = stmt.where(Order.customer_id == masterdata.customer_id(customer_code))
    if customer_po_no:
        stmt = stmt.where(Order.customer_po_no == customer_po_no)
    if company_order_no:
        stmt = stmt.where(Order.company_order_no == company_order_no)
    flow = ctx.workflows.flow(Order)
    return [order_out(o, flow) for o in session.scalars(stmt)]


def history(session: Session, _ctx: Context, *, order_id: int) -> list[EventOut]:
    """Every transition of the order, from the event journal."""
    if session.get(Order, order_id) is None:
        raise NotFound("order.not_found", field="order_id", order_id=order_id)
    return [EventOut.model_validate(e) for e in journal.history(session, "order", order_id)]


def browse(
    session: Session,
    ctx: Context,
    *,
    q: str | None = None,
    state: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> tuple[list[OrderOut], int | None]:
    """A page of orders, newest first, found by company order number, customer PO number or
    receipt number; and where the next page starts (by key, so a page stays fast however many
    orders there are)."""
    stmt = (
        select(Order)
        .options(
            joinedload(Order.customer),
            joinedload(Order.warehouse),
            joinedload(Order.contract),
            selectinload(Order.lines).joinedload(OrderLine.item),
        )
        .order_by(Order.id.desc())
        .limit(size + 1)
    )
    if q:
        # The receipt's orders first (a handful at most): a sub-select inside the OR would keep
        # PostgreSQL from combining the three indexes, and it would read every order.
        received = list(session.scalars(select(Receipt.order_id).where(Receipt.receipt_no == q)))
        found_by = (Order.company_order_no == q) | (Order.customer_po_no == q)
        stmt = stmt.where(found_by | Order.id.in_(received) if received else found_by)
    if state:
        stmt = stmt.where(Order.state == state)
    if before is not None:
        stmt = stmt.where(Order.id < before)
    found = list(session.scalars(stmt))
    flow = ctx.workflows.flow(Order)
    following = found[size - 1].id if len(found) > size else None
    return [order_out(o, flow) for o in found[:size]], following


def credit_decision(session: Session, _ctx: Context, *, order_id: int) -> dict[str, object] | None:
    """The credit_release decision that held the order, as journalled (R18)."""
    for event in reversed(journal.history(session, "order", order_id)):
        if event.trigger == "hold_for_credit" and event.decisions:
            return {"reason": event.payload.get("reason", ""), **event.decisions[0]}
    return None
