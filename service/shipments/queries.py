"""Reading an order's shipment, and the one way to show it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.context import Context
from service.errors import NotFound
from service.orders.models import OrderLine
from service.shipments.models import Shipment, ShipmentLine
from service.shipments.schemas import ShipmentLineOut, ShipmentOut


def for_order(session: Session, order_id: int) -> Shipment | None:
    return (
        session.scalars(
            select(Shipment)
            .where(Shipment.order_id == order_id)
            .options(
                joinedload(Shipment.lines)
                .joinedload(ShipmentLine.order_line)
                .joinedload(OrderLine.item)
            )
        )
        .unique()
        .one_or_none()
    )


def load(session: Session, order_id: int) -> Shipment:
    shipment = for_order(session, order_id)
    if shipment is None:
        raise NotFound("shipment.not_found", field="order_id", order_id=order_id)
    return shipment


def shipment_out(shipment: Shipment) -> ShipmentOut:
    """The shipment as the API shows it, whether just written or read."""
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


def get(session: Session, _ctx: Context, *, order_id: int) -> ShipmentOut:
    return shipment_out(load(session, order_id))
