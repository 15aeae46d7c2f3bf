"""Order use cases: create from a PO, approve after the credit check, end a credit hold, cancel."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from service import journal
from service.auth.tokens import Actor
from service.errors import Conflict, Invalid, NotFound
from service.masterdata import queries
from service.orders.guards import OrderContext
from service.orders.models import Order, OrderLine
from service.orders.schemas import OrderCreate, OrderLineOut, OrderOut
from service.workflow import Workflows

MACHINE = "order"


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
        raise NotFound(f"no order {order_id}", field="order_id")
    return order


def to_out(order: Order, workflows: Workflows) -> OrderOut:
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
        allowed_triggers=workflows[MACHINE].allowed_triggers(order.state),
    )


def _refuse_duplicate_po(session: Session, customer_id: int, po_no: str) -> None:
    existing = session.scalar(
        select(Order).where(Order.customer_id == customer_id, Order.customer_po_no == po_no)
    )
    if existing is not None:
        raise Conflict(
            f"customer PO {po_no} already has order {existing.id} "
            f"({existing.company_order_no or 'not yet approved'}); one PO is one order (R2)",
            field="customer_po_no",
            existing_order_id=existing.id,
        )


def create(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    data: OrderCreate,
    today: date,
    max_lines: int,
) -> Order:
    """Create the shipment request in `draft`, priced from the contract in force (R1-R3, R11)."""
    if len(data.lines) > max_lines:
        raise Invalid(
            f"an order has at most {max_lines} lines (R3); this one has {len(data.lines)}",
            field="lines",
        )
    codes = [line.item_code for line in data.lines]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise Invalid(
            f"item {', '.join(duplicated)} appears on more than one line; put it on one line",
            field="lines",
        )
    order_date = data.order_date or today
    if order_date > today:
        raise Invalid(f"order date {order_date} is in the future", field="order_date")
    customer = queries.customer_by_code(session, data.customer_code)
    warehouse = queries.warehouse_by_code(session, customer, data.dc_code)
    _refuse_duplicate_po(session, customer.id, data.customer_po_no)
    contract = queries.contract_in_force(session, customer, order_date)
    if (
        customer.discount_mode == "on_invoice"
        and contract.discount_rate > 0
        and not data.discount_order_no
    ):
        raise Invalid(
            f"customer {customer.code} takes its discount on the invoice: the discount/fee "
            "order number is required (R1)",
            field="discount_order_no",
        )
    items = queries.items_by_code(session, set(codes))
    prices = {p.item_id: p.unit_price for p in contract.prices}
    lines = []
    for index, line_in in enumerate(data.lines):
        item = items.get(line_in.item_code)
        if item is None:
            raise Invalid(f"unknown item {line_in.item_code!r}", field=f"lines[{index}].item_code")
        if item.id not in prices:
            raise Invalid(
                f"item {item.code} has no price in contract {contract.contract_no}",
                field=f"lines[{index}].item_code",
            )
        lines.append(
            OrderLine(
                line_no=index + 1,
                item=item,
                quantity=line_in.quantity,
                unit_price=prices[item.id],
                tax_rate=item.tax_rate,
            )
        )
    flow = workflows[MACHINE]
    order = Order(
        customer=customer,
        warehouse=warehouse,
        contract=contract,
        customer_po_no=data.customer_po_no,
        discount_order_no=data.discount_order_no,
        order_date=order_date,
        state=flow.initial,
        note=data.note,
        created_by=actor.username,
        lines=lines,
    )
    session.add(order)
    try:
        session.flush()
    except IntegrityError:
        # A concurrent request created the same PO between our check and our insert.
        raise Conflict(
            f"customer PO {data.customer_po_no} already has an order; one PO is one order (R2)",
            field="customer_po_no",
        ) from None
    journal.append(
        session,
        entity_type=MACHINE,
        entity_id=order.id,
        trigger="create",
        from_state=None,
        to_state=order.state,
        actor=actor.username,
        payload=data.model_dump(mode="json"),
    )
    return order


def cancel(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    reason: str,
    today: date,
    expected_version: int | None = None,
) -> Order:
    order = load(session, order_id)
    workflows.fire(
        session,
        MACHINE,
        order,
        "cancel",
        actor=actor,
        context=OrderContext(order=order, today=today),
        expected_version=expected_version,
        payload={"reason": reason},
    )
    session.flush()  # the answer carries the new version (ETag / If-Match)
    return order
