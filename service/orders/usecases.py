"""Order use cases: create the shipment request from a customer PO, cancel it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata import queries as masterdata
from service.orders.models import Order, OrderLine
from service.orders.queries import load, order_out
from service.orders.schemas import OrderCancel, OrderCreate, OrderOut


def _refuse_duplicate_po(session: Session, customer_id: int, po_no: str) -> None:
    existing = session.scalar(
        select(Order).where(Order.customer_id == customer_id, Order.customer_po_no == po_no)
    )
    if existing is not None:
        raise Conflict(
            "order.po_already_ordered",
            field="customer_po_no",
            customer_po_no=po_no,
            existing_order_id=existing.id,
            company_order_no=existing.company_order_no or "-",
        )


def _lines(session: Session, data: OrderCreate, max_lines: int) -> list[OrderLine]:
    """The order lines, priced later from the contract: R3's limit, one line per item."""
    if len(data.lines) > max_lines:
        raise Invalid("order.too_many_lines", field="lines", max=max_lines, count=len(data.lines))
    codes = [line.item_code for line in data.lines]
    duplicated = sorted({c for c in codes if codes.count(c) > 1})
    if duplicated:
        raise Invalid("order.item_on_two_lines", field="lines", items=duplicated)
    items = masterdata.items_by_code(session, set(codes))
    lines = []
    for index, line_in in enumerate(data.lines):
        item = items.get(line_in.item_code)
        if item is None:
            raise Invalid(
                "item.unknown", field=f"lines[{index}].item_code", item_code=line_in.item_code
            )
        lines.append(OrderLine(line_no=index + 1, item=item, quantity=line_in.quantity))
    return lines


def create(session: Session, ctx: Context, *, data: OrderCreate) -> OrderOut:
    """Create the shipment request in `draft`, priced from the contract in force (R1-R3, R11)
    on its order date, which is the business date of its creation (not in a closed period)."""
    lines = _lines(session, data, ctx.settings.order_max_lines)
    order_date = data.order_date or ctx.today
    if order_date > ctx.today:
        raise Invalid("order.date_in_future", field="order_date", order_date=order_date)
    ctx = ctx.dated(session, data.order_date, field="order_date")
    customer = masterdata.customer_by_code(session, data.customer_code)
    warehouse = masterdata.warehouse_by_code(session, customer, data.dc_code)
    _refuse_duplicate_po(session, customer.id, data.customer_po_no)
    contract = masterdata.contract_in_force(session, customer, order_date)
    if (
        customer.discount_mode == "on_invoice"
        and contract.discount_rate > 0
        and not data.discount_order_no
    ):
        raise Invalid(
            "order.discount_order_required", field="discount_order_no", customer=customer.code
        )
    prices = {p.item_id: p.unit_price for p in contract.prices}
    for index, line in enumerate(lines):
        if line.item.id not in prices:
            raise Invalid(
                "order.item_not_in_contract",
                field=f"lines[{index}].item_code",
                item_code=line.item.code,
                contract=contract.contract_no,
            )
        line.unit_price, line.tax_rate = prices[line.item.id], line.item.tax_rate
    order = Order(
        customer=customer,
        warehouse=warehouse,
        contract=contract,
        customer_po_no=data.customer_po_no,
        discount_order_no=data.discount_order_no,
        order_date=order_date,
        note=data.note,
        created_by=ctx.actor.username,
        lines=lines,
    )
    try:
        ctx.create(session, order, payload=data.model_dump(mode="json"))
    except IntegrityError:
        # A concurrent request created the same PO between our check and our insert.
        raise Conflict(
            "order.po_already_ordered",
            field="customer_po_no",
            customer_po_no=data.customer_po_no,
            existing_order_id=None,
            company_order_no="-",
        ) from None
    return order_out(order, ctx.workflows.flow(Order))


def cancel(session: Session, ctx: Context, *, order_id: int, data: OrderCancel) -> OrderOut:
    """Withdraw the request or order before anything is shipped, with a reason (on the business
    date given, not before the order date)."""
    order = load(session, order_id)
    ctx = ctx.dated(session, data.business_date, field="business_date", not_before=order.order_date)
    ctx.fire(session, order, "cancel", payload={"reason": data.reason}, if_match=True)
    return order_out(order, ctx.workflows.flow(Order))
