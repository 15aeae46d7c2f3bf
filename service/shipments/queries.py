"""Reading an order's shipment, and the one way to show it; what the pages show of it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from service.context import Context
from service.errors import NotFound
from service.orders.models import Order, OrderLine
from service.shipments.models import Shipment, ShipmentLine
from service.shipments.schemas import ShipmentLineOut, ShipmentOut

# The order's triggers this feature's pages fire.
SHIP, RECORD_DELIVERY = "ship", "record_delivery"


@dataclass(frozen=True)
class OrderShipping:
    """An order's shipment as its page shows it, and what the reader may do with it now."""

    order_id: int
    state: str
    shipment: ShipmentOut | None
    may_ship: bool
    may_record_delivery: bool


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


def known_carriers(session: Session, _ctx: Context, *, recent: int = 500) -> list[str]:
    """The carriers of the latest shipments, most recent first, for the form to offer (a
    bounded read however many shipments there are)."""
    latest = session.scalars(select(Shipment.carrier).order_by(Shipment.id.desc()).limit(recent))
    return list(dict.fromkeys(latest))


def order_shipping(session: Session, ctx: Context, *, order_id: int) -> OrderShipping | None:
    """What an order's page shows of its shipment, and which of its steps this person may take
    now (the lifecycle's states and roles decide); None for an order that is not there."""
    state = session.scalar(select(Order.state).where(Order.id == order_id))
    if state is None:
        return None
    flow = ctx.workflows["order"]
    allowed = {
        trigger
        for trigger in (SHIP, RECORD_DELIVERY)
        if flow.allows(state, trigger) and flow.roles_for(trigger) & ctx.actor.roles
    }
    shipment = for_order(session, order_id)
    return OrderShipping(
        order_id=order_id,
        state=state,
        shipment=shipment_out(shipment) if shipment is not None else None,
        may_ship=SHIP in allowed,
        may_record_delivery=RECORD_DELIVERY in allowed and shipment is not None,
    )
