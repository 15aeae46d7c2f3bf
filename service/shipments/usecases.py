"""Record the shipment of an approved order (R5) and move the order to `shipped`."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.auth.tokens import Actor
from service.errors import Invalid, NotFound
from service.numbering import document_number
from service.orders import usecases as orders
from service.orders.guards import OrderContext
from service.shipments.models import Shipment, ShipmentLine
from service.shipments.schemas import ShipmentCreate, ShipmentLineOut, ShipmentOut
from service.workflow import Workflows


def for_order(session: Session, order_id: int) -> Shipment | None:
    return (
        session.scalars(
            select(Shipment)
            .where(Shipment.order_id == order_id)
            .options(joinedload(Shipment.lines).joinedload(ShipmentLine.order_line))
        )
        .unique()
        .one_or_none()
    )


def to_out(shipment: Shipment) -> ShipmentOut:
    lines = sorted(shipment.lines, key=lambda sl: sl.order_line.line_no)
    return ShipmentOut(
        id=shipment.id,
        order_id=shipment.order_id,
        shipment_no=shipment.shipment_no,
        warehouse_kind=shipment.warehouse_kind,
        source_warehouse=shipment.source_warehouse,
        carrier=shipment.carrier,
        waybill_no=shipment.waybill_no,
        shipped_on=shipment.shipped_on,
        delivered_on=shipment.delivered_on,
        created_by=shipment.created_by,
        lines=[
            ShipmentLineOut(
                line_no=sl.order_line.line_no,
                item_code=sl.order_line.item.code,
                ordered_qty=sl.order_line.quantity,
                shipped_qty=sl.quantity,
            )
            for sl in lines
        ],
    )


def ship(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    data: ShipmentCreate,
    today: date,
    expected_version: int | None = None,
) -> Shipment:
    order = orders.load(session, order_id)
    shipped_on = data.shipped_on or today
    if shipped_on > today:
        raise Invalid(f"shipment date {shipped_on} is in the future", field="shipped_on")
    if shipped_on < order.order_date:
        raise Invalid(
            f"shipment date {shipped_on} is before the order date {order.order_date}",
            field="shipped_on",
        )
    by_no = {line.line_no: line for line in order.lines}
    quantities = {line.line_no: line.quantity for line in order.lines}
    if data.lines is not None:
        quantities = {}
        for index, line_in in enumerate(data.lines):
            field = f"lines[{index}]"
            ordered = by_no.get(line_in.line_no)
            if ordered is None:
                raise Invalid(f"order has no line {line_in.line_no}", field=f"{field}.line_no")
            if line_in.line_no in quantities:
                raise Invalid(f"line {line_in.line_no} given twice", field=f"{field}.line_no")
            if line_in.quantity > ordered.quantity:
                raise Invalid(
                    f"shipped {line_in.quantity} exceeds the {ordered.quantity} ordered "
                    f"on line {line_in.line_no}",
                    field=f"{field}.quantity",
                )
            quantities[line_in.line_no] = line_in.quantity
        for line_no in by_no:
            quantities.setdefault(line_no, 0)
        if not any(quantities.values()):
            raise Invalid("a shipment must ship something", field="lines")
    shipment = Shipment(
        order_id=order.id,
        shipment_no=document_number(session, "SH", today.year),
        warehouse_kind=data.warehouse_kind,
        source_warehouse=data.source_warehouse,
        carrier=data.carrier,
        waybill_no=data.waybill_no,
        shipped_on=shipped_on,
        created_by=actor.username,
        lines=[
            ShipmentLine(order_line=by_no[no], quantity=qty)
            for no, qty in sorted(quantities.items())
        ],
    )
    workflows.fire(
        session,
        orders.MACHINE,
        order,
        "ship",
        actor=actor,
        context=OrderContext(order=order, today=today),
        expected_version=expected_version,
        payload={
            **data.model_dump(mode="json", exclude={"lines"}),
            "shipped": {str(k): v for k, v in sorted(quantities.items())},
        },
    )
    session.add(shipment)
    session.flush()
    return shipment


def record_delivery(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    delivered_on: date,
    today: date,
) -> Shipment:
    """The carrier's delivery report; R7's two working days for the signed receipt start."""
    order = orders.load(session, order_id)
    workflows.fire(
        session,
        orders.MACHINE,
        order,
        "record_delivery",
        actor=actor,
        context=OrderContext(order=order, today=today),
        payload={"delivered_on": delivered_on},
    )
    shipment = get(session, order_id)
    if delivered_on > today:
        raise Invalid(f"delivery date {delivered_on} is in the future", field="delivered_on")
    if delivered_on < shipment.shipped_on:
        raise Invalid(
            f"delivery date {delivered_on} is before the shipment date {shipment.shipped_on}",
            field="delivered_on",
        )
    shipment.delivered_on = delivered_on
    session.flush()
    return shipment


def get(session: Session, order_id: int) -> Shipment:
    shipment = for_order(session, order_id)
    if shipment is None:
        raise NotFound(f"order {order_id} has no shipment", field="order_id")
    return shipment
