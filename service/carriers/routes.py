"""How late each carrier reports signed receipts (R7)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import case, func, select

from service.http import Ctx, CurrentActor
from service.orders.models import Order
from service.receipts.models import Receipt
from service.schemas import Response
from service.shipments.models import Shipment

router = APIRouter(prefix="/carriers", tags=["carriers"])


class LateReceipt(Response):
    order_id: int
    company_order_no: str | None
    receipt_no: str
    receipt_date: date
    report_deadline: date
    reported_on: date


class CarrierLateness(Response):
    carrier: str
    receipts: int
    late: int
    late_receipts: list[LateReceipt]


@router.get(
    "/lateness",
    response_model=list[CarrierLateness],
    summary="Signed receipts reported after 2 working days, per carrier (R7)",
)
def lateness(
    ctx: Ctx,
    _actor: CurrentActor,
    since: Annotated[date | None, Query(description="receipts signed on or after")] = None,
    until: Annotated[date | None, Query(description="receipts signed on or before")] = None,
) -> list[CarrierLateness]:
    judged = [Shipment.warehouse_kind == "internal", Receipt.reported_late.is_not(None)]
    if since:
        judged.append(Receipt.receipt_date >= since)
    if until:
        judged.append(Receipt.receipt_date <= until)
    with ctx.db.read() as session:
        counts = session.execute(
            select(
                Shipment.carrier,
                func.count(Receipt.id),
                func.sum(case((Receipt.reported_late.is_(True), 1), else_=0)),
            )
            .join(Receipt, Receipt.shipment_id == Shipment.id)
            .where(*judged)
            .group_by(Shipment.carrier)
            .order_by(Shipment.carrier)
        ).all()
        late_rows = session.execute(
            select(
                Shipment.carrier,
                Receipt.order_id,
                Order.company_order_no,
                Receipt.receipt_no,
                Receipt.receipt_date,
                Receipt.report_deadline,
                Receipt.reported_on,
            )
            .join(Receipt, Receipt.shipment_id == Shipment.id)
            .join(Order, Order.id == Receipt.order_id)
            .where(*judged, Receipt.reported_late.is_(True))
            .order_by(Receipt.receipt_date, Receipt.id)
        ).all()
    late_by_carrier: dict[str, list[LateReceipt]] = {}
    for row in late_rows:
        late_by_carrier.setdefault(row.carrier, []).append(LateReceipt.model_validate(row))
    return [
        CarrierLateness(
            carrier=carrier,
            receipts=total,
            late=int(late or 0),
            late_receipts=late_by_carrier.get(carrier, []),
        )
        for carrier, total, late in counts
    ]
