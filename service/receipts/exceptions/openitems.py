"""The receipt exceptions the receipt_exception rule set decides, for dry runs of candidate rule
files: every open one with the facts it was decided on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.masterdata.models import Customer
from service.orders.models import Order, OrderLine
from service.plugins import OpenItem
from service.receipts.exceptions.facts import Case, value_of
from service.receipts.models import Receipt, ReceiptException
from service.settings import Settings
from service.shipments.models import Shipment
from service.workflow import Workflows


def open_exceptions(
    session: Session, workflows: Workflows, _today: date, _settings: Settings
) -> list[OpenItem]:
    rows = session.execute(
        select(
            ReceiptException.id,
            ReceiptException.kind,
            ReceiptException.quantity,
            OrderLine.unit_price,
            Shipment.warehouse_kind,
            Shipment.carrier,
            Customer.grade,
        )
        .join(Receipt, Receipt.id == ReceiptException.receipt_id)
        .join(Shipment, Shipment.id == Receipt.shipment_id)
        .join(OrderLine, OrderLine.id == ReceiptException.order_line_id)
        .join(Order, Order.id == Receipt.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(ReceiptException.state.in_(workflows.tagged(ReceiptException, "open")))
        .order_by(ReceiptException.id)
    ).all()
    return [
        (
            row.id,
            Case(
                kind=row.kind,
                quantity=row.quantity,
                value=value_of(row.quantity, row.unit_price),
                warehouse_kind=row.warehouse_kind,
                carrier=row.carrier,
                customer_grade=row.grade,
            ).facts(),
        )
        for row in rows
    ]
