"""HTTP routes for an order's shipment (R5) and the carrier's delivery report (R7)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.http import Change, Ctx, CurrentActor
from service.shipments import usecases as shipments
from service.shipments.schemas import DeliveryReport, ShipmentCreate, ShipmentOut

router = APIRouter(prefix="/orders", tags=["shipments"])


@router.post(
    "/{order_id}/shipment",
    status_code=201,
    response_model=ShipmentOut,
    summary="Logistics records the shipment (R5)",
)
def ship_order(order_id: int, body: ShipmentCreate, call: Change) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        shipment = shipments.ship(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            data=body,
            today=ctx.today(),
            expected_version=call.version,
        )
        return shipments.to_out(shipment).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.post(
    "/{order_id}/delivery",
    response_model=ShipmentOut,
    summary="Record the carrier's delivery report (R7's two working days start)",
)
def record_delivery(order_id: int, body: DeliveryReport, call: Change) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        shipment = shipments.record_delivery(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            today=ctx.today(),
            delivered_on=body.delivered_on,
        )
        return shipments.to_out(shipment).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"))


@router.get("/{order_id}/shipment", response_model=ShipmentOut)
def get_shipment(order_id: int, ctx: Ctx, _actor: CurrentActor) -> ShipmentOut:
    with ctx.db.read() as session:
        return shipments.to_out(shipments.get(session, order_id))
