"""Reading receipt exceptions (R8): one with everything its page and the API show, and the
lists logistics and sales work from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.sql.base import ExecutableOption as ORMOption

from service import journal
from service.context import Context
from service.errors import NotFound
from service.invoices.models import CarryForward, Invoice
from service.masterdata import queries as masterdata
from service.orders.models import Order
from service.receipts.exceptions.schemas import ReceiptExceptionOut
from service.receipts.models import Receipt, ReceiptException
from service.schemas import EventOut
from service.shipments.models import Shipment
from service.workflow import Workflows

Status = Literal["open", "closed", "all"]
_COPIED = (
    "id",
    "version",
    "kind",
    "shipped_qty",
    "received_qty",
    "quantity",
    "state",
    "created_at",
    "owner_role",
    "decision",
    "path",
    "decided_by",
    "decided_at",
    "reason",
    "redelivery_shipped_on",
    "redelivery_waybill_no",
    "redelivery_receipt_no",
    "redelivery_receipt_date",
    "redelivered_qty",
    "redelivery_scan_id",
    "claim_amount",
    "claim_evidence_id",
    "claimed_on",
    "claim_settled_amount",
    "claim_closed_on",
    "return_id",
)


def _options() -> list[ORMOption]:
    return [
        joinedload(ReceiptException.receipt).joinedload(Receipt.order).joinedload(Order.customer),
        joinedload(ReceiptException.receipt).joinedload(Receipt.shipment),
        joinedload(ReceiptException.order_line),
        joinedload(ReceiptException.expected_item),
        joinedload(ReceiptException.received_item),
    ]


def load(session: Session, exception_id: int, *, for_update: bool = False) -> ReceiptException:
    stmt = select(ReceiptException).where(ReceiptException.id == exception_id)
    if for_update:
        stmt = stmt.with_for_update(of=ReceiptException)
    exc = session.scalar(stmt.options(*_options()))
    if exc is None:
        raise NotFound(
            "receipt_exception.not_found", field="exception_id", exception_id=exception_id
        )
    return exc


def _invoiced_by(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """The invoice (not discarded) that carries each re-delivered quantity."""
    if not ids:
        return {}
    rows = session.execute(
        select(CarryForward.source_receipt_exception_id, Invoice.invoice_no)
        .join(Invoice, Invoice.id == CarryForward.invoice_id)
        .where(
            CarryForward.source_receipt_exception_id.in_(ids),
            CarryForward.state == "invoiced",
        )
    )
    return {exc_id: invoice_no for exc_id, invoice_no in rows if exc_id is not None}


def exception_out(
    exc: ReceiptException, workflows: Workflows, invoice_no: str | None = None
) -> ReceiptExceptionOut:
    receipt, decision = exc.receipt, exc.decision or {}
    return ReceiptExceptionOut(
        **{name: getattr(exc, name) for name in _COPIED},
        order_id=receipt.order_id,
        company_order_no=receipt.order.company_order_no,
        customer_po_no=receipt.order.customer_po_no,
        customer_code=receipt.order.customer.code,
        receipt_no=receipt.receipt_no,
        carrier=receipt.shipment.carrier,
        warehouse_kind=receipt.shipment.warehouse_kind,
        line_no=exc.order_line.line_no,
        expected_item_code=exc.expected_item.code,
        received_item_code=exc.received_item.code if exc.received_item else None,
        proposed_path=decision.get("path"),
        proposal_reason=str(decision.get("reason", "")),
        explanation=str(decision.get("explanation", "")) or "no rule decides: a person must",
        redelivery_invoice_no=invoice_no,
        allowed_triggers=workflows.flow(ReceiptException).allowed_triggers(exc.state),
    )


def answer(session: Session, ctx: Context, exception_id: int) -> ReceiptExceptionOut:
    """The exception as stored now (after a change)."""
    session.flush()
    session.expire_all()
    return get(session, ctx, exception_id=exception_id)


def get(session: Session, ctx: Context, *, exception_id: int) -> ReceiptExceptionOut:
    exc = load(session, exception_id)
    return exception_out(exc, ctx.workflows, _invoiced_by(session, [exc.id]).get(exc.id))


def _filtered(
    workflows: Workflows,
    *,
    status: Status,
    state: str | None,
    kind: str | None,
    owner_role: str | None,
    customer_code: str | None,
    carrier: str | None,
) -> Select[ReceiptException]:
    stmt = select(ReceiptException).join(Receipt, Receipt.id == ReceiptException.receipt_id)
    opened = workflows.tagged(ReceiptException, "open")
    if status == "open":
        stmt = stmt.where(ReceiptException.state.in_(opened))
    elif status == "closed":
        stmt = stmt.where(ReceiptException.state.not_in(opened))
    if state:
        stmt = stmt.where(ReceiptException.state == state)
    if kind:
        stmt = stmt.where(ReceiptException.kind == kind)
    if owner_role:
        stmt = stmt.where(ReceiptException.owner_role == owner_role)
    if customer_code:
        stmt = stmt.where(Receipt.customer_id == masterdata.customer_id(customer_code))
    if carrier:
        stmt = stmt.join(Shipment, Shipment.id == Receipt.shipment_id).where(
            Shipment.carrier == carrier
        )
    return stmt


def search(
    session: Session,
    ctx: Context,
    *,
    status: Status = "open",
    state: str | None = None,
    kind: str | None = None,
    owner_role: str | None = None,
    customer_code: str | None = None,
    carrier: str | None = None,
    limit: int = 100,
    offset: int = 0,
    after: int | None = None,
) -> list[ReceiptExceptionOut]:
    """Shortages and substitutions found at receipt (R8), oldest first (the pages' next page
    starts `after` the last one shown).

    The page's ids are found first on the exceptions' own rows (and the joins a filter needs),
    then only those exceptions are read with everything they show: joining every matching row
    to its receipt, order, customer, shipment and items before sorting and skipping would cost
    as much as the whole list, however small the page."""
    stmt = _filtered(
        ctx.workflows,
        status=status,
        state=state,
        kind=kind,
        owner_role=owner_role,
        customer_code=customer_code,
        carrier=carrier,
    )
    if after is not None:
        stmt = stmt.where(ReceiptException.id > after)
    page = list(
        session.scalars(
            stmt.with_only_columns(ReceiptException.id)
            .order_by(ReceiptException.id)
            .limit(limit)
            .offset(offset)
        )
    )
    if not page:
        return []
    found = list(
        session.scalars(
            select(ReceiptException)
            .where(ReceiptException.id.in_(page))
            .options(*_options())
            .order_by(ReceiptException.id)
        ).unique()
    )
    invoiced = _invoiced_by(session, [exc.id for exc in found])
    return [exception_out(exc, ctx.workflows, invoiced.get(exc.id)) for exc in found]


def history(session: Session, _ctx: Context, *, exception_id: int) -> list[EventOut]:
    load(session, exception_id)
    return [
        EventOut.model_validate(event)
        for event in journal.history(session, "receipt_exception", exception_id)
    ]
