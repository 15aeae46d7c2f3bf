"""HTTP routes for an order's shipment (R5) and the carrier's delivery report (R7)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.http import Ctx, CurrentActor, IdempotencyKey, IfMatch, expected_version, respond
from service.shipments import usecases as shipments
from service.shipments.schemas import DeliveryReport, ShipmentCreate, ShipmentOut

router = APIRouter(prefix="/orders", tags=["shipments"])


@router.post(
    "/{order_id}/shipment",
    status_code=201,
    response_model=ShipmentOut,
    tags=["shipments"],
    summary="Logistics records the shipment (R5)",
)
def ship_order(
    order_id: int,
    body: ShipmentCreate,
    request: Request,
    ctx: Ctx,
    actor: CurrentActor,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> JSONResponse:
    version = expected_version(if_match)

    def work(session: Session) -> object:
        shipment = shipments.ship(
            session,
            actor=actor,
            workflows=ctx.workflows,
            order_id=order_id,
            data=body,
            today=ctx.today(),
            expected_version=version,
        )
        return shipments.to_out(shipment).model_dump(mode="json")

    return respond(ctx, request, actor=actor, key=key, body=body.model_dump(mode="json"), work=work)


@router.post(
    "/{order_id}/delivery",
    response_model=ShipmentOut,
    tags=["shipments"],
    summary="Record the carrier's delivery report (R7's two working days start)",
)
def record_delivery(
    order_id: int,
    body: DeliveryReport,
    request: Request,
    ctx: Ctx,
    actor: CurrentActor,
    key: IdempotencyKey = None,
) -> JSONResponse:
    def work(session: Session) -> object:
        shipment = shipments.record_delivery(
            session,
            actor=actor,
            workflows=ctx.workflows,
            order_id=order_id,
            today=ctx.today(),
            delivered_on=body.delivered_on,
        )
        return shipments.to_out(shipment).model_dump(mode="json")

    return respond(
        ctx,
        request,
        actor=actor,
        key=key,
        body=body.model_dump(mode="json"),
        work=work,
        status_code=200,
    )


@router.get("/{order_id}/shipment", response_model=ShipmentOut, tags=["shipments"])
def get_shipment(order_id: int, ctx: Ctx, _actor: CurrentActor) -> ShipmentOut:
    with ctx.db.read() as session:
        return shipments.to_out(shipments.get(session, order_id))
