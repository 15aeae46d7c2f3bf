"""Post the customer's signed receipt (R6), recording shortages and substitutions (R8).

This is the busiest write of the service (logistics' scanners, bulk imports), so it is written
with Core statements in the caller's transaction: one query reads the order with its lines,
items and shipment; the order moves by a versioned UPDATE (a concurrent post finds the version
gone and gets 409); receipt, lines, exceptions and evidence links are inserted in bulk. The
checks and their messages are the same as everywhere: a refused post changes nothing.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.carriers.queries import CARRIER_RECEIPT_OVERDUE, report_deadline
from service.context import Context
from service.db import table_of, utcnow
from service.errors import Conflict, DomainError, FieldError, Invalid, NotFound
from service.evidence import Attachment
from service.masterdata.models import Customer, Item
from service.orders.models import Order, OrderLine
from service.prepared import Prepared
from service.receipts import counting
from service.receipts.counting import OrderedLine, ShippedOrder
from service.receipts.exceptions.facts import Case, decide, value_of
from service.receipts.models import Receipt, ReceiptAttachment, ReceiptException, ReceiptLine
from service.receipts.queries import EVIDENCE_COLUMNS, receipt_out
from service.receipts.schemas import ReceiptCreate, ReceiptOut
from service.scheduler.tasks import resolve_for_subject
from service.shipments.models import Shipment, ShipmentLine
from service.workdays import CalendarGap
from service.workflow import RowRef

log = logging.getLogger("o2c.receipts")
TRIGGER = "post_receipt"


# Prepared once, run on the driver's cursor (`service.prepared`): SQLAlchemy's work per
# statement is most of its cost on this path.
_LOAD = Prepared(
    select(
        Order.id.label("order_id"),
        Order.state,
        Order.version,
        Order.customer_id,
        OrderLine.id.label("line_id"),
        OrderLine.line_no,
        OrderLine.item_id,
        OrderLine.unit_price,
        Item.code.label("item_code"),
        Customer.grade,
        Shipment.id.label("shipment_id"),
        Shipment.shipped_on,
        Shipment.warehouse_kind,
        Shipment.carrier,
        ShipmentLine.quantity.label("shipped"),
    )
    .join(Customer, Customer.id == Order.customer_id)
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
_CLASH = Prepared(
    select(Receipt.order_id).where(
        Receipt.customer_id == bindparam("customer_id"),
        Receipt.receipt_no == bindparam("receipt_no"),
    )
)
_EVIDENCE: dict[int, Prepared] = {}  # by the number of attachments named


def _evidence_of(count: int) -> Prepared:
    """The attachments named by a receipt (one statement per count: no expanding IN list)."""
    prepared = _EVIDENCE.get(count)
    if prepared is None:
        ids: list[Any] = [bindparam(f"id{n}") for n in range(count)]
        prepared = _EVIDENCE[count] = Prepared(
            select(*EVIDENCE_COLUMNS).where(Attachment.id.in_(ids))
        )
    return prepared


_INSERT_RECEIPT = Prepared(
    insert(table_of(Receipt)).returning(table_of(Receipt).c.id),
    keys=[
        "order_id",
        "shipment_id",
        "customer_id",
        "receipt_no",
        "receipt_date",
        "note",
        "posted_by",
        "posted_at",
        "reported_on",
        "report_deadline",
        "reported_late",
    ],
)
_INSERT_LINE = Prepared(
    insert(table_of(ReceiptLine)),
    keys=["receipt_id", "order_line_id", "received_item_id", "received_qty"],
)
_INSERT_EXCEPTION = Prepared(
    insert(table_of(ReceiptException)).returning(table_of(ReceiptException).c.id),
    keys=[
        "receipt_id",
        "order_line_id",
        "kind",
        "expected_item_id",
        "received_item_id",
        "shipped_qty",
        "received_qty",
        "quantity",
        "created_at",
        "state",
        "version",
        "decision",
        "owner_role",
        "path",
    ],
)
_INSERT_EVIDENCE = Prepared(
    insert(table_of(ReceiptAttachment)), keys=["receipt_id", "attachment_id"]
)


def _load(connection: Connection, order_id: int) -> ShippedOrder:
    rows = _LOAD.all(connection, {"order_id": order_id})
    if not rows:
        raise NotFound("order.not_found", field="order_id", order_id=order_id)
    first = rows[0]
    return ShippedOrder(
        id=first.order_id,
        state=first.state,
        version=first.version,
        customer_id=first.customer_id,
        shipment_id=first.shipment_id,
        shipped_on=first.shipped_on,
        warehouse_kind=first.warehouse_kind,
        carrier=first.carrier or "",
        customer_grade=first.grade,
        lines={
            r.line_no: OrderedLine(
                id=r.line_id,
                line_no=r.line_no,
                item_id=r.item_id,
                item_code=r.item_code,
                shipped=r.shipped or 0,
                unit_price=r.unit_price,
            )
            for r in rows
        },
    )


def _timeliness(
    receipt_date: date, reported_on: date, receipt_no: str
) -> tuple[date | None, bool | None]:
    """R7: an internal-warehouse receipt reported after 2 working days is late (the carrier's),
    judged on the day it was reported."""
    try:
        deadline = report_deadline(receipt_date)
    except CalendarGap as gap:
        # Never refuse a signed receipt for want of a calendar; timeliness stays unknown.
        log.warning("receipt %s: lateness not judged: %s", receipt_no, gap)
        return None, None
    return deadline, reported_on > deadline


def _refusals(
    connection: Connection, order: ShippedOrder, data: ReceiptCreate, today: date
) -> tuple[list[DomainError], dict[int, Any]]:
    """The receipt against its shipped order: its date, its number, its evidence; every refusal
    (each names its field), and the evidence rows found."""
    if order.shipment_id is None or order.shipped_on is None:
        raise NotFound("shipment.not_found", field="order_id", order_id=order.id)
    refusals: list[DomainError] = []
    if data.receipt_date > today:
        refusals.append(
            Invalid("receipt.date_in_future", field="receipt_date", receipt_date=data.receipt_date)
        )
    elif data.receipt_date < order.shipped_on:
        refusals.append(
            Invalid(
                "receipt.before_shipment",
                field="receipt_date",
                receipt_date=data.receipt_date,
                shipped_on=order.shipped_on,
            )
        )
    clash = _CLASH.scalar(
        connection, {"customer_id": order.customer_id, "receipt_no": data.receipt_no}
    )
    if clash is not None:
        refusals.append(
            Conflict(
                "receipt.number_already_posted",
                field="receipt_no",
                receipt_no=data.receipt_no,
                order_id=clash,
            )
        )
    named = {f"id{n}": attachment for n, attachment in enumerate(data.evidence)}
    found = _evidence_of(len(named)).all(connection, named) if named else []
    evidence = {row.id: row for row in found}
    refusals += [
        Invalid("evidence.not_found", field=f"evidence[{index}]", attachment_id=attachment_id)
        for index, attachment_id in enumerate(data.evidence)
        if attachment_id not in evidence
    ]
    return refusals, evidence


def _check(connection: Connection, order: ShippedOrder, data: ReceiptCreate, today: date) -> Any:
    """The receipt against the order (see `_refusals`): the first refusal raised, or the
    evidence rows."""
    refusals, evidence = _refusals(connection, order, data, today)
    if refusals:
        raise refusals[0]
    return evidence


def refusals(
    session: Session, ctx: Context, *, order: ShippedOrder, data: ReceiptCreate
) -> list[FieldError]:
    """What posting the receipt would refuse for its date, number and evidence, every field at
    once, without posting (the receipt form's Check; the quantities are counted apart)."""
    found, _evidence = _refusals(session.connection(), order, data, ctx.today)
    return [error for refusal in found for error in refusal.errors]


def _decided(
    ctx: Context, order: ShippedOrder, found: list[counting.Found]
) -> list[dict[str, Any]]:
    """The receipt_exception rules' proposal (path, owner) per exception, decided once per
    distinct case."""
    made: dict[Case, dict[str, Any]] = {}
    decided = []
    for exc in found:
        case = Case(
            kind=exc.kind,
            quantity=exc.quantity,
            value=value_of(exc.quantity, exc.line.unit_price),
            warehouse_kind=order.warehouse_kind or "external",
            carrier=order.carrier,
            customer_grade=order.customer_grade,
        )
        if case not in made:
            made[case] = decide(ctx.rules, ctx.today, case)
        decided.append(made[case])
    return decided


def _store(
    connection: Connection,
    order: ShippedOrder,
    head: dict[str, Any],
    received: list[counting.Received],
    found: list[counting.Found],
    attached: list[int],
    lifecycle: list[dict[str, Any]],
) -> tuple[int, list[int]]:
    """Insert the receipt, its lines, its exceptions and its evidence links; their ids."""
    try:
        receipt_id = _INSERT_RECEIPT.scalar(
            connection,
            {**head, "shipment_id": order.shipment_id, "customer_id": order.customer_id},
        )
    except IntegrityError:
        raise Conflict(
            "receipt.posted_concurrently",
            field="receipt_no",
            receipt_no=head["receipt_no"],
            order_id=order.id,
        ) from None
    _INSERT_LINE.run_many(
        connection,
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
    if found:
        rows = [
            exc.row(receipt_id, head["posted_at"]) | more
            for exc, more in zip(found, lifecycle, strict=True)
        ]
        exception_ids = [_INSERT_EXCEPTION.scalar(connection, row) for row in rows]
    _INSERT_EVIDENCE.run_many(
        connection, [{"receipt_id": receipt_id, "attachment_id": a} for a in attached]
    )
    return receipt_id, exception_ids


def post(session: Session, ctx: Context, *, order_id: int, data: ReceiptCreate) -> ReceiptOut:
    """Record received quantities per line; the order becomes `receipted` on the day the
    receipt was reported (`reported_on`, default today: the business date), which R7 judges."""
    # Core statements run on the session's connection: same transaction, no ORM dispatch.
    connection = session.connection()
    order = _load(connection, order_id)
    if data.reported_on is not None and data.receipt_date <= ctx.today:
        # A receipt date in the future is refused below, by its own code.
        ctx = ctx.dated(
            session, data.reported_on, field="reported_on", not_before=data.receipt_date
        )
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
    evidence = _check(connection, order, data, ctx.today)
    named = sorted({ln.item_code for ln in data.lines if ln.item_code})
    items = dict(connection.execute(_ITEMS, {"codes": named}).all()) if named else {}
    received = counting.received(order, data, items)
    found = counting.exceptions(order, received)
    internal = order.warehouse_kind == "internal"
    deadline, late = (None, None)
    if internal:
        deadline, late = _timeliness(data.receipt_date, ctx.day, data.receipt_no)
    head: dict[str, Any] = {
        "order_id": order.id,
        "receipt_no": data.receipt_no,
        "receipt_date": data.receipt_date,
        "note": data.note,
        "posted_by": ctx.actor.username,
        "posted_at": utcnow(),
        "reported_on": ctx.day if internal else None,
        "report_deadline": deadline,
        "reported_late": late,
    }
    attached = list(dict.fromkeys(data.evidence))
    decided = _decided(ctx, order, found)
    initial = ctx.workflows.initial(ReceiptException)
    lifecycle = [
        initial | {"decision": made, "owner_role": made["owner"], "path": None} for made in decided
    ]
    receipt_id, exception_ids = _store(
        connection, order, head, received, found, attached, lifecycle
    )
    if exception_ids:
        ctx.workflows.created(
            session,
            ReceiptException,
            [
                (
                    exc_id,
                    {"kind": exc.kind, "quantity": exc.quantity, "receipt_no": data.receipt_no},
                )
                for exc_id, exc in zip(exception_ids, found, strict=True)
            ],
            actor=ctx.actor.username,
            how="raise",
            business_date=ctx.day,
            decisions={
                exc_id: [made]
                for exc_id, made in zip(exception_ids, decided, strict=True)
                if made.get("ruleset")
            },
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
        (e.shown() for e in received),
        (
            exc.shown(exc_id, order.id, data.receipt_no, head["posted_at"])
            for exc_id, exc in zip(exception_ids, found, strict=True)
        ),
        (evidence[a] for a in attached),
    )
