"""Demo receipt exceptions (R8): of order PO-HD-1003's receipt, the air conditioners short are
claimed from the carrier; the washer short waits for logistics to re-deliver it and the other
model received waits for sales, as the receipt_exception rules proposed."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.demo.returns import MAX_BYTES, pdf
from service.masterdata.models import Item
from service.orders.models import Order
from service.receipts.exceptions import usecases
from service.receipts.exceptions.schemas import ClaimIn
from service.receipts.models import Receipt, ReceiptException


def receipt_exceptions(session: Session, ctx: dict[str, Context]) -> None:
    logistics = ctx["logistics"]
    short = session.scalar(
        select(ReceiptException.id)
        .join(Receipt, Receipt.id == ReceiptException.receipt_id)
        .join(Order, Order.id == Receipt.order_id)
        .join(Item, Item.id == ReceiptException.expected_item_id)
        .where(
            Order.customer_po_no == "PO-HD-1003",
            ReceiptException.kind == "shortage",
            Item.code == "KFR-35GW/A1",
        )
    )
    if short is None:  # pragma: no cover - the demo's orders make it
        return
    note = evidence.store(
        session,
        uploaded_by=logistics.actor.username,
        filename="承运商签收差异单 carrier discrepancy note.pdf",
        content_type="application/pdf",
        content=pdf("carrier discrepancy note"),
        max_bytes=MAX_BYTES,
    )
    session.flush()
    usecases.claim(
        session,
        logistics,
        exception_id=short,
        data=ClaimIn(
            amount="7998.00",
            claimed_on=logistics.today - timedelta(days=3),
            evidence_id=note.id,
        ),
    )
