"""R7: the carrier reports the signed receipt within 2 working days of signature; who is late.

Receipts posting reads the deadline from here to judge each receipt's report.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from service.carriers.schemas import CarrierLateness, LateReceipt
from service.context import Context
from service.orders.models import Order
from service.receipts.models import Receipt
from service.shipments.models import Shipment
from service.workdays import add_working_days

CARRIER_RECEIPT_OVERDUE = "carrier_receipt_overdue"
CARRIER_REPORT_WORKING_DAYS = 2


def report_deadline(signed_on: date) -> date:
    """The last working day on which the carrier may report a receipt signed on `signed_on`."""
    return add_working_days(signed_on, CARRIER_REPORT_WORKING_DAYS)


def lateness(
    session: Session, _ctx: Context, *, since: date | None, until: date | None
) -> list[CarrierLateness]:
    """Per carrier: receipts judged, how many were reported late, and which."""
    judged = [Shipment.warehouse_kind == "internal", Receipt.reported_late.is_not(None)]
    if since:
        judged.append(Receipt.receipt_date >= since)
    if until:
        judged.append(Receipt.receipt_date <= until)
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
