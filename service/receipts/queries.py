"""Reading signed receipts and receipt exceptions, and the one way to show a receipt.

Both the posting (from what it has just written) and the reads (from these queries) build the
answer with `receipt_out` from rows whose columns are named as the answer's fields.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from service.context import Context
from service.errors import NotFound
from service.evidence import Attachment
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer, Item, Warehouse
from service.orders.models import Order, OrderLine
from service.receipts import counting
from service.receipts.models import Receipt, ReceiptAttachment, ReceiptException, ReceiptLine
from service.receipts.schemas import ReceiptOut
from service.schemas import AttachmentRef
from service.shipments.models import Shipment, ShipmentLine

# The task R8's scheduled job raises for an exception left open too long (once per period of
# working days, service/receipts/exceptions/jobs.py); a step that takes the exception out of its
# open states resolves it.
RECEIPT_EXCEPTION_OVERDUE = "receipt_exception_overdue"


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
    Receipt.imported,
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
        ReceiptException.version,
        ReceiptException.created_at,
        ReceiptException.owner_role,
        ReceiptException.path,
    )
    .join(Receipt, Receipt.id == ReceiptException.receipt_id)
    .join(OrderLine, OrderLine.id == ReceiptException.order_line_id)
    .join(_EXPECTED, _EXPECTED.id == ReceiptException.expected_item_id)
    .outerjoin(_SUBSTITUTED, _SUBSTITUTED.id == ReceiptException.received_item_id)
    .order_by(ReceiptException.id)
)


# An evidence link as the receipt shows it (`AttachmentRef`).
EVIDENCE_COLUMNS = (
    Attachment.id,
    Attachment.sha256,
    Attachment.filename,
    Attachment.content_type,
    Attachment.size,
)
_EVIDENCE = (
    select(*EVIDENCE_COLUMNS)
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


# --- What the pages show -------------------------------------------------------------------
# The order's trigger the receipt form fires.
POST_RECEIPT = "post_receipt"


@dataclass(frozen=True)
class ReceivingLine:
    """An order line on the receipt form: what was ordered and shipped."""

    line_no: int
    item_code: str
    item_name: str
    ordered: int
    shipped: int


@dataclass(frozen=True)
class Receiving:
    """An order as the receipt form shows it, and as the check counts it (`counting`)."""

    order: counting.ShippedOrder
    company_order_no: str | None
    customer_po_no: str
    customer_code: str
    dc_code: str
    shipment_no: str | None
    carrier: str | None
    delivered_on: date | None
    lines: list[ReceivingLine]

    @property
    def shipped_lines(self) -> list[ReceivingLine]:
        """The lines the receipt states (a line nothing was shipped on is not received)."""
        return [line for line in self.lines if line.shipped]


_RECEIVING = (
    select(
        Order.id,
        Order.state,
        Order.version,
        Order.customer_id,
        Order.company_order_no,
        Order.customer_po_no,
        Customer.code.label("customer_code"),
        Warehouse.code.label("dc_code"),
        OrderLine.id.label("line_id"),
        OrderLine.line_no,
        OrderLine.item_id,
        OrderLine.quantity,
        Item.code.label("item_code"),
        Item.name.label("item_name"),
        Shipment.id.label("shipment_id"),
        Shipment.shipment_no,
        Shipment.carrier,
        Shipment.shipped_on,
        Shipment.delivered_on,
        Shipment.warehouse_kind,
        ShipmentLine.quantity.label("shipped"),
    )
    .join(Customer, Customer.id == Order.customer_id)
    .join(Warehouse, Warehouse.id == Order.warehouse_id)
    .join(OrderLine, OrderLine.order_id == Order.id)
    .join(Item, Item.id == OrderLine.item_id)
    .outerjoin(Shipment, Shipment.order_id == Order.id)
    .outerjoin(
        ShipmentLine,
        (ShipmentLine.shipment_id == Shipment.id) & (ShipmentLine.order_line_id == OrderLine.id),
    )
    .order_by(OrderLine.line_no)
)


def receiving(session: Session, _ctx: Context, *, order_id: int) -> Receiving:
    """The order with what was shipped per line, for the receipt form and its check."""
    rows = session.execute(_RECEIVING.where(Order.id == order_id)).all()
    if not rows:
        raise NotFound("order.not_found", field="order_id", order_id=order_id)
    first = rows[0]
    return Receiving(
        order=counting.ShippedOrder(
            id=first.id,
            state=first.state,
            version=first.version,
            customer_id=first.customer_id,
            shipment_id=first.shipment_id,
            shipped_on=first.shipped_on,
            warehouse_kind=first.warehouse_kind,
            lines={
                r.line_no: counting.OrderedLine(
                    id=r.line_id,
                    line_no=r.line_no,
                    item_id=r.item_id,
                    item_code=r.item_code,
                    shipped=r.shipped or 0,
                )
                for r in rows
            },
        ),
        company_order_no=first.company_order_no,
        customer_po_no=first.customer_po_no,
        customer_code=first.customer_code,
        dc_code=first.dc_code,
        shipment_no=first.shipment_no,
        carrier=first.carrier,
        delivered_on=first.delivered_on,
        lines=[
            ReceivingLine(
                line_no=r.line_no,
                item_code=r.item_code,
                item_name=r.item_name,
                ordered=r.quantity,
                shipped=r.shipped or 0,
            )
            for r in rows
        ],
    )


def item_ids(session: Session, _ctx: Context, *, codes: set[str]) -> dict[str, int]:
    """The ids of the models a receipt names, by code (unknown codes are left out)."""
    return {code: item.id for code, item in masterdata.items_by_code(session, codes).items()}


def attachment(session: Session, _ctx: Context, *, attachment_id: int) -> AttachmentRef | None:
    """An uploaded scan as the form shows it while the receipt is not posted yet."""
    found = session.get(Attachment, attachment_id)
    return AttachmentRef.model_validate(found) if found is not None else None


@dataclass(frozen=True)
class OrderReceipt:
    """An order's receipt on the order's page, and whether this person may post it now."""

    order_id: int
    receipt: ReceiptOut | None
    may_post: bool


def order_receipt(session: Session, ctx: Context, *, order_id: int) -> OrderReceipt | None:
    """The order's receipt (lines, exceptions, evidence, R7's judgement) for its page; None for
    an order that is not there."""
    state = session.scalar(select(Order.state).where(Order.id == order_id))
    if state is None:
        return None
    flow = ctx.workflows["order"]
    may_post = flow.allows(state, POST_RECEIPT) and bool(
        flow.roles_for(POST_RECEIPT) & ctx.actor.roles
    )
    posted = session.scalar(select(Receipt.id).where(Receipt.order_id == order_id))
    receipt = get(session, ctx, order_id=order_id) if posted is not None else None
    return OrderReceipt(order_id=order_id, receipt=receipt, may_post=may_post)


@dataclass(frozen=True)
class Printout:
    """A signed receipt as it is printed: the receipt, the documents it refers to, and per line
    what was shipped and the items' names."""

    receipt: ReceiptOut
    refs: Mapping[str, Any]
    shipped: Mapping[int, int]
    names: Mapping[str, str]


_REFS = (
    select(
        Order.company_order_no,
        Order.customer_po_no,
        Order.order_date,
        Customer.code.label("customer_code"),
        Customer.name.label("customer_name"),
        Warehouse.code.label("dc_code"),
        Warehouse.name.label("dc_name"),
        Shipment.shipment_no,
        Shipment.warehouse_kind,
        Shipment.source_warehouse,
        Shipment.carrier,
        Shipment.waybill_no,
        Shipment.shipped_on,
        Shipment.delivered_on,
    )
    .select_from(Receipt)
    .join(Order, Order.id == Receipt.order_id)
    .join(Customer, Customer.id == Order.customer_id)
    .join(Warehouse, Warehouse.id == Order.warehouse_id)
    .join(Shipment, Shipment.id == Receipt.shipment_id)
)


def printout(session: Session, ctx: Context, *, receipt_id: int) -> Printout:
    """The receipt `receipt_id` with what its printout shows besides."""
    order_id = session.scalar(select(Receipt.order_id).where(Receipt.id == receipt_id))
    if order_id is None:
        raise NotFound("receipt.no_such_receipt", field="receipt_id", receipt_id=receipt_id)
    receipt = get(session, ctx, order_id=order_id)
    refs = session.execute(_REFS.where(Receipt.id == receipt_id)).one()
    lines = session.execute(
        select(OrderLine.line_no, ShipmentLine.quantity)
        .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
        .join(Receipt, Receipt.shipment_id == ShipmentLine.shipment_id)
        .where(Receipt.id == receipt_id)
    ).all()
    codes = {line.ordered_item_code for line in receipt.lines} | {
        line.received_item_code for line in receipt.lines
    }
    names = dict(session.execute(select(Item.code, Item.name).where(Item.code.in_(codes))).all())
    return Printout(
        receipt=receipt,
        refs=dict(refs._mapping),
        shipped=dict(lines),
        names=names,
    )
