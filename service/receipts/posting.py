"""Post the customer's signed receipt (R6), recording shortages and substitutions (R8).

This is the busiest write of the service (logistics' scanners, bulk imports), so it is written
with Core statements in the caller's transaction: one query reads the order with its lines,
items and shipment; the order moves by a versioned UPDATE (a concurrent post finds the version
gone and gets 409); receipt, lines, exceptions and evidence links are inserted in bulk. The
checks and their messages are the same as everywhere: a refused post changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.carriers.queries import CARRIER_RECEIPT_OVERDUE, report_deadline
from service.context import Context
from service.db import table_of, utcnow
from service.errors import Conflict, Invalid, NotFound
from service.evidence import Attachment
from service.masterdata.models import Item
from service.orders.models import Order, OrderLine
from service.receipts.models import Receipt, ReceiptAttachment, ReceiptException, ReceiptLine
from service.receipts.queries import receipt_out
from service.receipts.schemas import ReceiptCreate, ReceiptOut
from service.scheduler.tasks import resolve_for_subject
from service.shipments.models import Shipment, ShipmentLine
from service.workdays import CalendarGap
from service.workflow import RowRef

log = logging.getLogger("o2c.receipts")
TRIGGER = "post_receipt"


@dataclass(frozen=True)
class _Line:
    """An order line as the receipt needs it."""

    id: int
    line_no: int
    item_id: int
    item_code: str
    shipped: int


@dataclass(frozen=True)
class _Order:
    id: int
    state: str
    version: int
    customer_id: int
    shipment_id: int | None
    shipped_on: date | None
    warehouse_kind: str | None
    lines: dict[int, _Line]


@dataclass(frozen=True)
class _Received:
    line: _Line
    item_id: int
    item_code: str
    quantity: int


# Built once: constructing statements and their cache keys is most of SQLAlchemy's cost per
# request on this path.
_LOAD = (
    select(
        Order.id.label("order_id"),
        Order.state,
        Order.version,
        Order.customer_id,
        OrderLine.id.label("line_id"),
        OrderLine.line_no,
        OrderLine.item_id,
        Item.code.label("item_code"),
        Shipment.id.label("shipment_id"),
        Shipment.shipped_on,
        Shipment.warehouse_kind,
        ShipmentLine.quantity.label("shipped"),
    )
    .join(OrderLine, OrderLine.order_id == Order.id)
    .join(Item, Item.id == OrderLine.item_id)
    .outerjoin(Shipment, Shipment.order_id == Order.id)
    .outerjoin(
        ShipmentLine,
        (ShipmentLine.shipment_id == Shipment.id) & (ShipmentLine.order_line_id == OrderLine.id),
    )
    .where(Order.id == bindparam("order_id"))
)
_ITEMS = select(Item.code, Item.id).where(Item.code.in_(bindparam("codes", expanding=True)))
_CLASH = select(Receipt.order_id).where(
    Receipt.customer_id == bindparam("customer_id"), Receipt.receipt_no == bindparam("receipt_no")
)
_EVIDENCE = select(
    Attachment.id,
    Attachment.sha256,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
).where(Attachment.id.in_(bindparam("ids", expanding=True)))
_INSERT_RECEIPT = insert(table_of(Receipt)).returning(table_of(Receipt).c.id)
_INSERT_LINE = insert(table_of(ReceiptLine))
_INSERT_EXCEPTION = insert(table_of(ReceiptException)).returning(
    table_of(ReceiptException).c.id, sort_by_parameter_order=True
)
_INSERT_EVIDENCE = insert(table_of(ReceiptAttachment))


def _load(connection: Connection, order_id: int) -> _Order:
    rows = connection.execute(_LOAD, {"order_id": order_id}).all()
    if not rows:
        raise NotFound("order.not_found", field="order_id", order_id=order_id)
    first = rows[0]
    return _Order(
        id=first.order_id,
        state=first.state,
        version=first.version,
        customer_id=first.customer_id,
        shipment_id=first.shipment_id,
        shipped_on=first.shipped_on,
        warehouse_kind=first.warehouse_kind,
        lines={
            r.line_no: _Line(
                id=r.line_id,
                line_no=r.line_no,
                item_id=r.item_id,
                item_code=r.item_code,
                shipped=r.shipped or 0,
            )
            for r in rows
        },
    )


def _received(connection: Connection, order: _Order, data: ReceiptCreate) -> list[_Received]:
    """Check the stated quantities against what was shipped; one entry per line and model."""
    named = {ln.item_code for ln in data.lines if ln.item_code}
    items = dict(connection.execute(_ITEMS, {"codes": sorted(named)}).all()) if named else {}
    totals: dict[int, int] = defaultdict(int)
    result: list[_Received] = []
    seen: set[tuple[int, int]] = set()
    for index, line_in in enumerate(data.lines):
        field = f"lines[{index}]"
        line = order.lines.get(line_in.line_no)
        if line is None:
            raise Invalid(
                "receipt.no_such_order_line", field=f"{field}.line_no", line_no=line_in.line_no
            )
        item_id, item_code = line.item_id, line.item_code
        if line_in.item_code is not None:
            if line_in.item_code not in items:
                raise Invalid(
                    "item.unknown", field=f"{field}.item_code", item_code=line_in.item_code
                )
            item_id, item_code = items[line_in.item_code], line_in.item_code
        if (line.line_no, item_id) in seen:
            raise Invalid(
                "receipt.line_given_twice",
                field=f"{field}.line_no",
                line_no=line.line_no,
                item_code=item_code,
            )
        seen.add((line.line_no, item_id))
        totals[line.line_no] += line_in.received_qty
        if totals[line.line_no] > line.shipped:
            raise Invalid(
                "receipt.quantity_exceeds_shipped",
                field=f"{field}.received_qty",
                received=totals[line.line_no],
                shipped=line.shipped,
                line_no=line.line_no,
            )
        result.append(_Received(line, item_id, item_code, line_in.received_qty))
    missing = [no for no, ln in sorted(order.lines.items()) if ln.shipped and no not in totals]
    if missing:
        raise Invalid("receipt.shipped_lines_missing", field="lines", line_nos=missing)
    return result


@dataclass(frozen=True)
class _Exception:
    """A shortage or substitution found at receipt (R8), before it is stored."""

    kind: str
    line: _Line
    received_item_id: int | None
    received_item_code: str | None
    received_qty: int
    quantity: int

    def row(self, receipt_id: int, created_at: datetime) -> dict[str, object]:
        return {
            "receipt_id": receipt_id,
            "order_line_id": self.line.id,
            "kind": self.kind,
            "expected_item_id": self.line.item_id,
            "received_item_id": self.received_item_id,
            "shipped_qty": self.line.shipped,
            "received_qty": self.received_qty,
            "quantity": self.quantity,
            "state": "open",
            "created_at": created_at,
        }

    def shown(self, exception_id: int, order_id: int, receipt_no: str, at: datetime) -> Any:
        """As the receipt answer names it (see `queries.receipt_out`)."""
        return {
            "id": exception_id,
            "order_id": order_id,
            "receipt_no": receipt_no,
            "kind": self.kind,
            "line_no": self.line.line_no,
            "expected_item_code": self.line.item_code,
            "received_item_code": self.received_item_code,
            "shipped_qty": self.line.shipped,
            "received_qty": self.received_qty,
            "quantity": self.quantity,
            "state": "open",
            "created_at": at,
        }


def _exceptions(order: _Order, received: list[_Received]) -> list[_Exception]:
    """R8: a shortage where less arrived than was shipped; a substitution per other model."""
    totals: dict[int, int] = defaultdict(int)
    for entry in received:
        totals[entry.line.line_no] += entry.quantity
    shortages = [
        _Exception("shortage", ln, None, None, totals[no], ln.shipped - totals[no])
        for no, ln in sorted(order.lines.items())
        if totals[no] < ln.shipped
    ]
    substitutions = [
        _Exception(
            "substitution", e.line, e.item_id, e.item_code, totals[e.line.line_no], e.quantity
        )
        for e in received
        if e.item_id != e.line.item_id and e.quantity > 0
    ]
    return shortages + substitutions


def _timeliness(
    receipt_date: date, today: date, receipt_no: str
) -> tuple[date | None, bool | None]:
    """R7: an internal-warehouse receipt reported after 2 working days is late (the carrier's)."""
    try:
        deadline = report_deadline(receipt_date)
    except CalendarGap as gap:
        # Never refuse a signed receipt for want of a calendar; timeliness stays unknown.
        log.warning("receipt %s: lateness not judged: %s", receipt_no, gap)
        return None, None
    return deadline, today > deadline


def _check_dates(order: _Order, data: ReceiptCreate, today: date) -> None:
    if order.shipment_id is None or order.shipped_on is None:
        raise NotFound("shipment.not_found", field="order_id", order_id=order.id)
    if data.receipt_date > today:
        raise Invalid(
            "receipt.date_in_future", field="receipt_date", receipt_date=data.receipt_date
        )
    if data.receipt_date < order.shipped_on:
        raise Invalid(
            "receipt.before_shipment",
            field="receipt_date",
            receipt_date=data.receipt_date,
            shipped_on=order.shipped_on,
        )


def post(session: Session, ctx: Context, *, order_id: int, data: ReceiptCreate) -> ReceiptOut:
    """Record received quantities per line; the order becomes `receipted`."""
    # Core statements run on the session's connection: same transaction, no ORM dispatch.
    connection = session.connection()
    order = _load(connection, order_id)
    # The lifecycle speaks first: a receipt for an order that was not shipped is refused with
    # the state and the allowed triggers. All below is in one transaction: any refusal later
    # rolls this back too.
    ctx.fire(
        session,
        RowRef(Order, order.id, order.state, order.version),
        TRIGGER,
        payload=data.model_dump(mode="json"),
        if_match=True,
    )
    _check_dates(order, data, ctx.today)
    clash = connection.scalar(
        _CLASH, {"customer_id": order.customer_id, "receipt_no": data.receipt_no}
    )
    if clash is not None:
        raise Conflict(
            "receipt.number_already_posted",
            field="receipt_no",
            receipt_no=data.receipt_no,
            order_id=clash,
        )
    evidence = {row.id: row for row in connection.execute(_EVIDENCE, {"ids": data.evidence})}
    for index, attachment_id in enumerate(data.evidence):
        if attachment_id not in evidence:
            raise Invalid(
                "evidence.not_found", field=f"evidence[{index}]", attachment_id=attachment_id
            )
    received = _received(connection, order, data)
    exceptions = _exceptions(order, received)
    internal = order.warehouse_kind == "internal"
    deadline, late = (None, None)
    if internal:
        deadline, late = _timeliness(data.receipt_date, ctx.today, data.receipt_no)
    posted_at = utcnow()
    head: dict[str, Any] = {
        "order_id": order.id,
        "receipt_no": data.receipt_no,
        "receipt_date": data.receipt_date,
        "note": data.note,
        "posted_by": ctx.actor.username,
        "posted_at": posted_at,
        "reported_on": ctx.today if internal else None,
        "report_deadline": deadline,
        "reported_late": late,
    }
    try:
        receipt_id = connection.execute(
            _INSERT_RECEIPT,
            {**head, "shipment_id": order.shipment_id, "customer_id": order.customer_id},
        ).scalar_one()
    except IntegrityError:
        raise Conflict(
            "receipt.posted_concurrently",
            field="receipt_no",
            receipt_no=data.receipt_no,
            order_id=order.id,
        ) from None
    connection.execute(
        _INSERT_LINE,
        [
            {
                "receipt_id": receipt_id,
                "order_line_id": e.line.id,
                "received_item_id": e.item_id,
                "received_qty": e.quantity,
            }
            for e in received
        ],
    )
    exception_ids: list[int] = []
    if exceptions:
        exception_ids = list(
            connection.scalars(
                _INSERT_EXCEPTION, [exc.row(receipt_id, posted_at) for exc in exceptions]
            )
        )
    attached = list(dict.fromkeys(data.evidence))
    connection.execute(
        _INSERT_EVIDENCE,
        [{"receipt_id": receipt_id, "attachment_id": a} for a in attached],
    )
    if internal and order.shipment_id is not None:
        resolve_for_subject(
            session,
            ctx,
            kind=CARRIER_RECEIPT_OVERDUE,
            subject_type="shipment",
            subject_id=order.shipment_id,
            note=f"signed receipt {data.receipt_no} posted",
        )
    return receipt_out(
        {**head, "id": receipt_id},
        (
            {
                "line_no": e.line.line_no,
                "ordered_item_code": e.line.item_code,
                "received_item_code": e.item_code,
                "received_qty": e.quantity,
            }
            for e in received
        ),
        (
            exc.shown(exc_id, order.id, data.receipt_no, posted_at)
            for exc_id, exc in zip(exception_ids, exceptions, strict=True)
        ),
        (evidence[a] for a in attached),
    )
