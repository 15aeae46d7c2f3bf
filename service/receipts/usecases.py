"""Reading signed receipts and receipt exceptions (posting them is `posting.post`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.errors import NotFound
from service.receipts.models import Receipt, ReceiptException, ReceiptLine
from service.receipts.schemas import (
    AttachmentRef,
    ReceiptExceptionOut,
    ReceiptLineOut,
    ReceiptOut,
)


def exception_out(exc: ReceiptException, receipt: Receipt) -> ReceiptExceptionOut:
    return ReceiptExceptionOut(
        id=exc.id,
        order_id=receipt.order_id,
        receipt_no=receipt.receipt_no,
        kind=exc.kind,
        line_no=exc.order_line.line_no,
        expected_item_code=exc.expected_item.code,
        received_item_code=exc.received_item.code if exc.received_item else None,
        shipped_qty=exc.shipped_qty,
        received_qty=exc.received_qty,
        quantity=exc.quantity,
        state=exc.state,
        created_at=exc.created_at,
    )


def to_out(receipt: Receipt) -> ReceiptOut:
    return ReceiptOut(
        id=receipt.id,
        order_id=receipt.order_id,
        receipt_no=receipt.receipt_no,
        receipt_date=receipt.receipt_date,
        posted_by=receipt.posted_by,
        posted_at=receipt.posted_at,
        note=receipt.note,
        reported_on=receipt.reported_on,
        report_deadline=receipt.report_deadline,
        reported_late=receipt.reported_late,
        lines=[
            ReceiptLineOut(
                line_no=line.order_line.line_no,
                ordered_item_code=line.order_line.item.code,
                received_item_code=line.received_item.code,
                received_qty=line.received_qty,
            )
            for line in receipt.lines
        ],
        exceptions=[exception_out(exc, receipt) for exc in receipt.exceptions],
        evidence=[AttachmentRef.model_validate(a) for a in receipt.evidence],
    )


def load(session: Session, order_id: int) -> Receipt:
    receipt = session.scalar(
        select(Receipt)
        .where(Receipt.order_id == order_id)
        .options(
            selectinload(Receipt.lines).options(
                joinedload(ReceiptLine.order_line), joinedload(ReceiptLine.received_item)
            ),
            selectinload(Receipt.exceptions),
            selectinload(Receipt.evidence),
        )
    )
    if receipt is None:
        raise NotFound(f"order {order_id} has no receipt", field="order_id")
    return receipt


def list_exceptions(
    session: Session,
    *,
    state: str | None,
    customer_id: int | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> list[ReceiptExceptionOut]:
    stmt = (
        select(ReceiptException)
        .join(Receipt, Receipt.id == ReceiptException.receipt_id)
        .options(
            joinedload(ReceiptException.receipt),
            joinedload(ReceiptException.order_line),
            joinedload(ReceiptException.expected_item),
            joinedload(ReceiptException.received_item),
        )
        .order_by(ReceiptException.id)
        .limit(limit)
        .offset(offset)
    )
    if state:
        stmt = stmt.where(ReceiptException.state == state)
    if customer_id is not None:
        stmt = stmt.where(Receipt.customer_id == customer_id)
    if kind:
        stmt = stmt.where(ReceiptException.kind == kind)
    return [exception_out(exc, exc.receipt) for exc in session.scalars(stmt)]
