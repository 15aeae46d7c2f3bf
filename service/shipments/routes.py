"""HTTP routes for an order's shipment (R5) and the carrier's delivery report (R7)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from service.http import Call, PathId, Reader, trigger
from service.shipments import queries, usecases
from service.shipments.schemas import DeliveryReport, ShipmentCreate, ShipmentOut

router = APIRouter(prefix="/orders", tags=["shipments"])


@router.post("/{order_id}/shipment", status_code=201, summary="Logistics records the shipment (R5)")
async def ship_order(
    order_id: PathId,
    body: ShipmentCreate,
    call: Annotated[Call, trigger("order", "ship", status_code=201)],
) -> ShipmentOut:
    return await call.run(usecases.ship, order_id=order_id, data=body)


@router.post(
    "/{order_id}/delivery",
    summary="Record the carrier's delivery report (R7's two working days start)",
)
async def record_delivery(
    order_id: PathId,
    body: DeliveryReport,
    call: Annotated[Call, trigger("order", "record_delivery")],
) -> ShipmentOut:
    return await call.run(usecases.record_delivery, order_id=order_id, data=body)


@router.get("/{order_id}/shipment", summary="The order's shipment")
async def get_shipment(order_id: PathId, read: Reader) -> ShipmentOut:
    return await read.run(queries.get, order_id=order_id)
