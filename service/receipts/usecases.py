"""Post the customer's signed receipt (R6) and record shortages and substitutions (R8)."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from service.attachments.models import Attachment
from service.auth.tokens import Actor
from service.carriers.deadline import CARRIER_RECEIPT_OVERDUE, report_deadline
from service.errors import Conflict, Invalid, NotFound
from service.masterdata import queries
from service.orders import usecases as orders
from service.orders.guards import OrderContext
from service.orders.models import Order
from service.receipts.models import Receipt, ReceiptException, ReceiptLine
from service.receipts.schemas import (
    AttachmentRef,
    ReceiptCreate,
    ReceiptExceptionOut,
    ReceiptLineOut,
    ReceiptOut,
)
from service.shipments import usecases as shipments
from service.tasks.usecases import resolve_for_subject
from service.workdays import CalendarGap
from service.workflow import Workflows

log = logging.getLogger("o2c.receipts")


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


def post(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    order_id: int,
    data: ReceiptCreate,
    today: date,
    expected_version: int | None = None,
) -> Receipt:
    """Record received quantities per line; the order becomes `receipted`."""
    order = orders.load(session, order_id)
    # The lifecycle speaks first: a receipt for an order that was not shipped is refused with
    # the state and the allowed triggers. Everything below runs in the same transaction, so any
    # later refusal rolls this back too.
    workflows.fire(
        session,
        orders.MACHINE,
        order,
        "post_receipt",
        actor=actor,
        context=OrderContext(order=order, today=today),
        expected_version=expected_version,
        payload=data.model_dump(mode="json"),
    )
    # Checks read only; the order's pending change is written once, with the receipt.
    with session.no_autoflush:
        receipt = _checked_receipt(session, actor=actor, order=order, data=data, today=today)
    session.add(receipt)
    if receipt.shipment.warehouse_kind == "internal":
        _mark_report_timeliness(receipt, today)
        resolve_for_subject(
            session,
            actor=actor,
            workflows=workflows,
            kind=CARRIER_RECEIPT_OVERDUE,
            subject_type="shipment",
            subject_id=receipt.shipment_id,
            note=f"signed receipt {data.receipt_no} posted",
        )
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            f"receipt number {data.receipt_no} or a receipt for order {order.id} was posted "
            "at the same moment",
            field="receipt_no",
        ) from None
    return receipt


def _checked_receipt(
    session: Session, *, actor: Actor, order: Order, data: ReceiptCreate, today: date
) -> Receipt:
    """The receipt as stated, checked against the shipment, the evidence and earlier receipts."""
    shipment = shipments.get(session, order.id)
    if data.receipt_date > today:
        raise Invalid(f"receipt date {data.receipt_date} is in the future", field="receipt_date")
    if data.receipt_date < shipment.shipped_on:
        raise Invalid(
            f"receipt date {data.receipt_date} is before the shipment date {shipment.shipped_on}",
            field="receipt_date",
        )
    clash = session.scalar(
        select(Receipt).where(
            Receipt.customer_id == order.customer_id, Receipt.receipt_no == data.receipt_no
        )
    )
    if clash is not None:
        raise Conflict(
            f"receipt number {data.receipt_no} is already posted for order {clash.order_id}",
            field="receipt_no",
        )
    evidence = list(session.scalars(select(Attachment).where(Attachment.id.in_(data.evidence))))
    found = {a.id for a in evidence}
    for index, attachment_id in enumerate(data.evidence):
        if attachment_id not in found:
            raise Invalid(
                f"no attachment {attachment_id}; upload it first", field=f"evidence[{index}]"
            )

    shipped = {sl.order_line.line_no: sl.quantity for sl in shipment.lines}
    receipt_lines = _received_lines(session, order, shipped, data)
    receipt = Receipt(
        order_id=order.id,
        shipment_id=shipment.id,
        customer_id=order.customer_id,
        receipt_no=data.receipt_no,
        receipt_date=data.receipt_date,
        note=data.note,
        posted_by=actor.username,
        lines=receipt_lines,
        exceptions=_exceptions(order, shipped, receipt_lines),
        evidence=evidence,
        shipment=shipment,
    )
    return receipt


def _mark_report_timeliness(receipt: Receipt, today: date) -> None:
    """R7: an internal-warehouse receipt reported after 2 working days is late (the carrier's)."""
    receipt.reported_on = today
    try:
        receipt.report_deadline = report_deadline(receipt.receipt_date)
    except CalendarGap as gap:
        # Never refuse a signed receipt for want of a calendar; timeliness stays unknown.
        log.warning("receipt %s: lateness not judged: %s", receipt.receipt_no, gap)
        return
    receipt.reported_late = today > receipt.report_deadline


def _received_lines(
    session: Session, order: Order, shipped: dict[int, int], data: ReceiptCreate
) -> list[ReceiptLine]:
    """Check the stated quantities against what was shipped; one row per line and model."""
    by_no = {line.line_no: line for line in order.lines}
    named = {ln.item_code for ln in data.lines if ln.item_code}
    items = queries.items_by_code(session, named) if named else {}
    received: dict[int, int] = defaultdict(int)
    lines: list[ReceiptLine] = []
    seen: set[tuple[int, int]] = set()
    for index, line_in in enumerate(data.lines):
        field = f"lines[{index}]"
        order_line = by_no.get(line_in.line_no)
        if order_line is None:
            raise Invalid(f"order has no line {line_in.line_no}", field=f"{field}.line_no")
        item = order_line.item
        if line_in.item_code is not None:
            found = items.get(line_in.item_code)
            if found is None:
                raise Invalid(f"unknown item {line_in.item_code!r}", field=f"{field}.item_code")
            item = found
        if (line_in.line_no, item.id) in seen:
            raise Invalid(
                f"line {line_in.line_no} with item {item.code} is given twice",
                field=f"{field}.line_no",
            )
        seen.add((line_in.line_no, item.id))
        received[line_in.line_no] += line_in.received_qty
        if received[line_in.line_no] > shipped.get(line_in.line_no, 0):
            raise Invalid(
                f"received {received[line_in.line_no]} exceeds the "
                f"{shipped.get(line_in.line_no, 0)} shipped on line {line_in.line_no}",
                field=f"{field}.received_qty",
            )
        lines.append(
            ReceiptLine(
                order_line=order_line, received_item=item, received_qty=line_in.received_qty
            )
        )
    missing = [no for no, qty in sorted(shipped.items()) if qty and no not in received]
    if missing:
        raise Invalid(
            f"line(s) {', '.join(map(str, missing))} were shipped but are not on the receipt; "
            "state 0 where nothing was received",
            field="lines",
        )
    return lines


def _exceptions(
    order: Order, shipped: dict[int, int], lines: list[ReceiptLine]
) -> list[ReceiptException]:
    """R8: a shortage where less arrived than was shipped; a substitution per other model."""
    received: dict[int, int] = defaultdict(int)
    for line in lines:
        received[line.order_line.line_no] += line.received_qty
    by_no = {line.line_no: line for line in order.lines}
    shortages = [
        ReceiptException(
            order_line=by_no[no],
            kind="shortage",
            expected_item=by_no[no].item,
            received_item=None,
            shipped_qty=qty,
            received_qty=received[no],
            quantity=qty - received[no],
        )
        for no, qty in sorted(shipped.items())
        if received[no] < qty
    ]
    substitutions = [
        ReceiptException(
            order_line=line.order_line,
            kind="substitution",
            expected_item=line.order_line.item,
            received_item=line.received_item,
            shipped_qty=shipped[line.order_line.line_no],
            received_qty=received[line.order_line.line_no],
            quantity=line.received_qty,
        )
        for line in lines
        if line.received_item.id != line.order_line.item_id and line.received_qty > 0
    ]
    return shortages + substitutions


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
