"""Record the shipment of an approved order (R5) and the carrier's delivery report (R7)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Invalid
from service.numbering import document_number
from service.orders import queries as orders
from service.orders.models import Order, OrderLine
from service.shipments.models import Shipment, ShipmentLine
from service.shipments.queries import load, shipment_out
from service.shipments.schemas import DeliveryReport, ShipmentCreate, ShipmentOut


def _quantities(order: Order, data: ShipmentCreate) -> dict[int, int]:
    """Shipped quantity per order line: as given (at most what was ordered), or everything."""
    by_no: dict[int, OrderLine] = {line.line_no: line for line in order.lines}
    if data.lines is None:
        return {line.line_no: line.quantity for line in order.lines}
    quantities: dict[int, int] = {}
    for index, line_in in enumerate(data.lines):
        field = f"lines[{index}]"
        ordered = by_no.get(line_in.line_no)
        if ordered is None:
            raise Invalid(
                "shipment.no_such_order_line", field=f"{field}.line_no", line_no=line_in.line_no
            )
        if line_in.line_no in quantities:
            raise Invalid(
                "shipment.line_given_twice", field=f"{field}.line_no", line_no=line_in.line_no
            )
        if line_in.quantity > ordered.quantity:
            raise Invalid(
                "shipment.quantity_exceeds_ordered",
                field=f"{field}.quantity",
                shipped=line_in.quantity,
                ordered=ordered.quantity,
                line_no=line_in.line_no,
            )
        quantities[line_in.line_no] = line_in.quantity
    for line_no in by_no:
        quantities.setdefault(line_no, 0)
    if not any(quantities.values()):
        raise Invalid("shipment.nothing_shipped", field="lines")
    return quantities


def ship(session: Session, ctx: Context, *, order_id: int, data: ShipmentCreate) -> ShipmentOut:
    """Logistics records the shipment (R5); the order becomes `shipped` on the day it shipped
    (the business date: not in a closed period), numbered in that day's year."""
    order = orders.load(session, order_id)
    shipped_on = data.shipped_on or ctx.today
    if shipped_on > ctx.today:
        raise Invalid("shipment.date_in_future", field="shipped_on", shipped_on=shipped_on)
    if shipped_on < order.order_date:
        raise Invalid(
            "shipment.before_order_date",
            field="shipped_on",
            shipped_on=shipped_on,
            order_date=order.order_date,
        )
    ctx = ctx.carried(session, data.shipped_on, field="shipped_on")
    quantities = _quantities(order, data)
    by_no = {line.line_no: line for line in order.lines}
    ctx.fire(
        session,
        order,
        "ship",
        payload={
            **data.model_dump(mode="json", exclude={"lines"}),
            "shipped": {str(k): v for k, v in sorted(quantities.items())},
        },
        if_match=True,
    )
    shipment = Shipment(
        order_id=order.id,
        shipment_no=document_number(session, "SH", ctx.day.year),
        warehouse_kind=data.warehouse_kind,
        source_warehouse=data.source_warehouse,
        carrier=data.carrier,
        waybill_no=data.waybill_no,
        shipped_on=shipped_on,
        created_by=ctx.actor.username,
        lines=[
            ShipmentLine(order_line=by_no[no], quantity=qty)
            for no, qty in sorted(quantities.items())
        ],
    )
    session.add(shipment)
    session.flush()
    return shipment_out(shipment)


def record_delivery(
    session: Session, ctx: Context, *, order_id: int, data: DeliveryReport
) -> ShipmentOut:
    """The carrier's delivery report; R7's two working days for the signed receipt start. The
    delivery day is the business date of the order's step (not in a closed period)."""
    order = orders.load(session, order_id)
    if data.delivered_on <= ctx.today:  # a day in the future is refused below, by its own code
        ctx = ctx.dated(session, data.delivered_on, field="delivered_on", after_last_step=False)
    ctx.fire(session, order, "record_delivery", payload={"delivered_on": data.delivered_on})
    shipment = load(session, order_id)
    if data.delivered_on > ctx.today:
        raise Invalid(
            "shipment.delivery_in_future", field="delivered_on", delivered_on=data.delivered_on
        )
    if data.delivered_on < shipment.shipped_on:
        raise Invalid(
            "shipment.delivery_before_shipment",
            field="delivered_on",
            delivered_on=data.delivered_on,
            shipped_on=shipment.shipped_on,
        )
    shipment.delivered_on = data.delivered_on
    session.flush()
    return shipment_out(shipment)
