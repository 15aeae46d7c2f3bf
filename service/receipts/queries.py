"""Reading signed receipts and receipt exceptions, and the one way to show a receipt.

Both the posting (from what it has just written) and the reads (from these queries) build the
answer with `receipt_out` from rows whose columns are named as the answer's fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from service.context import Context
from service.errors import NotFound
from service.evidence import Attachment
from service.masterdata import queries as masterdata
from service.masterdata.models import Item
from service.orders.models import OrderLine
from service.receipts.models import Receipt, ReceiptAttachment, ReceiptException, ReceiptLine
from service.receipts.schemas import ReceiptExceptionOut, ReceiptOut


def receipt_out(
    head: Mapping[str, Any],
    lines: Iterable[Any],
    exceptions: Iterable[Any],
    evidence: Iterable[Any],
) -> ReceiptOut:
    """The receipt as the API shows it, from named rows (a query's, or the posting's own)."""
    return ReceiptOut.model_validate(
        {
            **head,
            "lines": list(lines),
            "exceptions": list(exceptions),
            "evidence": list(evidence),
        },
        from_attributes=True,
    )


_HEAD = select(
    Receipt.id,
    Receipt.order_id,
    Receipt.receipt_no,
    Receipt.receipt_date,
    Receipt.posted_by,
    Receipt.posted_at,
    Receipt.note,
    Receipt.reported_on,
    Receipt.report_deadline,
    Receipt.reported_late,
)

_ORDERED, _RECEIVED = aliased(Item), aliased(Item)
_LINES = (
    select(
        OrderLine.line_no,
        _ORDERED.code.label("ordered_item_code"),
        _RECEIVED.code.label("received_item_code"),
        ReceiptLine.received_qty,
    )
    .join(OrderLine, OrderLine.id == ReceiptLine.order_line_id)
    .join(_ORDERED, _ORDERED.id == OrderLine.item_id)
    .join(_RECEIVED, _RECEIVED.id == ReceiptLine.received_item_id)
    .order_by(ReceiptLine.id)
)

_EXPECTED, _SUBSTITUTED = aliased(Item), aliased(Item)


# Receipt exceptions with the names the answer uses.
_EXCEPTIONS = (
    select(
        ReceiptException.id,
        Receipt.order_id,
        Receipt.receipt_no,
        ReceiptException.kind,
        OrderLine.line_no,
        _EXPECTED.code.label("expected_item_code"),
        _SUBSTITUTED.code.label("received_item_code"),
        ReceiptException.shipped_qty,
        ReceiptException.received_qty,
        ReceiptException.quantity,
        ReceiptException.state,
        ReceiptException.created_at,
    )
    .join(Receipt, Receipt.id == ReceiptException.receipt_id)
    .join(OrderLine, OrderLine.id == ReceiptException.order_line_id)
    .join(_EXPECTED, _EXPECTED.id == ReceiptException.expected_item_id)
    .outerjoin(_SUBSTITUTED, _SUBSTITUTED.id == ReceiptException.received_item_id)
    .order_by(ReceiptException.id)
)


_EVIDENCE = (
    select(
        Attachment.id,
        Attachment.sha256,
        Attachment.filename,
        Attachment.content_type,
        Attachment.size,
    )
    .join(ReceiptAttachment, ReceiptAttachment.attachment_id == Attachment.id)
    .order_by(Attachment.id)
)


def get(session: Session, _ctx: Context, *, order_id: int) -> ReceiptOut:
    """The order's signed receipt with its lines, exceptions and evidence."""
    head = session.execute(_HEAD.where(Receipt.order_id == order_id)).first()
    if head is None:
        raise NotFound("receipt.not_found", field="order_id", order_id=order_id)
    receipt_id = head.id
    return receipt_out(
        dict(head._mapping),
        session.execute(_LINES.where(ReceiptLine.receipt_id == receipt_id)),
        session.execute(_EXCEPTIONS.where(ReceiptException.receipt_id == receipt_id)),
        session.execute(_EVIDENCE.where(ReceiptAttachment.receipt_id == receipt_id)),
    )


def list_exceptions(
    session: Session,
    _ctx: Context,
    *,
    state: str | None,
    customer_code: str | None,
    kind: str | None,
    limit: int,
    offset: int,
) -> list[ReceiptExceptionOut]:
    """Shortages and substitutions found at receipt (R8), oldest first."""
    stmt = _EXCEPTIONS.limit(limit).offset(offset)
    if state:
        stmt = stmt.where(ReceiptException.state == state)
    if customer_code:
        stmt = stmt.where(Receipt.customer_id == masterdata.customer_id(customer_code))
    if kind:
        stmt = stmt.where(ReceiptException.kind == kind)
    return [ReceiptExceptionOut.model_validate(row) for row in session.execute(stmt)]


def load(session: Session, order_id: int) -> Receipt:
    """The order's receipt as rows (invoicing reads its lines, received models and items)."""
    receipt = session.scalar(
        select(Receipt)
        .where(Receipt.order_id == order_id)
        .options(
            selectinload(Receipt.lines).options(
                joinedload(ReceiptLine.order_line).joinedload(OrderLine.item),
                joinedload(ReceiptLine.received_item),
            )
        )
    )
    if receipt is None:
        raise NotFound("receipt.not_found", field="order_id", order_id=order_id)
    return receipt
