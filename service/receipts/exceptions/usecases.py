"""Working a receipt exception (R8) to its end: a shortage re-delivered, claimed from the carrier
or accepted by sales; a substitution accepted as received. (A substitution goes back through the
return flow, which moves it when the return is requested.)

Every step goes through the lifecycle (workflows/definitions/receipt_exception.yaml): who may
take it, from which state, journaled with who decided and why. A path other than the one the
`receipt_exception` rules proposed needs a reason.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select, union_all
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.db import utcnow
from service.errors import Conflict, Invalid
from service.invoices.models import CarryForward
from service.receipts.exceptions.facts import Case, decide, value_of
from service.receipts.exceptions.queries import answer, load
from service.receipts.exceptions.schemas import (
    AcceptIn,
    ClaimIn,
    PathIn,
    ReceiptExceptionOut,
    RedeliveryIn,
    RefuseIn,
    SettleIn,
)
from service.receipts.models import Receipt, ReceiptException
from service.receipts.queries import RECEIPT_EXCEPTION_OVERDUE
from service.scheduler.tasks import resolve_for_subject

# The trigger that takes each path.
TRIGGER_OF_PATH = {"redeliver": "redeliver", "claim": "claim", "accept": "accept"}


def _take(
    session: Session,
    ctx: Context,
    exc: ReceiptException,
    path: str,
    reason: str,
    payload: dict[str, Any] | None = None,
) -> None:
    """Fire the path's trigger (the lifecycle refuses a wrong state, role or kind first), then
    ask a reason of a path the rules did not propose, and record who took it."""
    proposed = (exc.decision or {}).get("path")
    ctx.fire(
        session,
        exc,
        TRIGGER_OF_PATH[path],
        payload={"path": path, "proposed": proposed, "reason": reason} | (payload or {}),
        if_match=True,
    )
    if path != proposed and not reason:
        raise Invalid(
            "receipt_exception.reason_required",
            field="reason",
            path=path,
            proposed=proposed or "-",
        )
    exc.path, exc.reason = path, reason
    exc.decided_by, exc.decided_at = ctx.actor.username, utcnow()


def _worked(session: Session, ctx: Context, exc: ReceiptException, note: str) -> None:
    """Out of its open states, the exception's overdue task (R8's scheduled job) is resolved."""
    if exc.state not in ctx.workflows.tagged(ReceiptException, "open"):
        resolve_for_subject(
            session,
            ctx,
            kind=RECEIPT_EXCEPTION_OVERDUE,
            subject_type="receipt_exception",
            subject_id=exc.id,
            note=note,
        )


def _not_after_today(ctx: Context, day: date, field: str) -> None:
    if day > ctx.today:
        raise Invalid("receipt_exception.date_in_future", field=field, day=day)


def redeliver(
    session: Session, ctx: Context, *, exception_id: int, data: PathIn
) -> ReceiptExceptionOut:
    """The missing quantity is to be delivered again against the same order and PO."""
    exc = load(session, exception_id)
    _take(session, ctx, exc, "redeliver", data.reason)
    return answer(session, ctx, exc.id)


def _receipt_no_taken(session: Session, customer_id: int, receipt_no: str) -> bool:
    """The customer's receipt numbers are one series: receipts and follow-up receipts."""
    found = union_all(
        select(Receipt.id).where(
            Receipt.customer_id == customer_id, Receipt.receipt_no == receipt_no
        ),
        select(ReceiptException.id)
        .join(Receipt, Receipt.id == ReceiptException.receipt_id)
        .where(
            Receipt.customer_id == customer_id,
            ReceiptException.redelivery_receipt_no == receipt_no,
        ),
    )
    return session.execute(select(found.subquery()).limit(1)).first() is not None


def post_redelivery(
    session: Session, ctx: Context, *, exception_id: int, data: RedeliveryIn
) -> ReceiptExceptionOut:
    """The follow-up delivery's signed receipt: the quantity received goes on the customer's
    next invoice (a carry-forward, invoiced once), at the order's price (R11). Its receipt
    date is the business date of the step."""
    exc = load(session, exception_id, for_update=True)
    ctx = ctx.carried(session, data.receipt_date, field="receipt_date")
    receipt = exc.receipt
    ctx.fire(
        session,
        exc,
        "post_redelivery",
        payload=data.model_dump(mode="json"),
        if_match=True,
    )
    _not_after_today(ctx, data.receipt_date, "receipt_date")
    if data.shipped_on < receipt.receipt_date:
        raise Invalid(
            "receipt_exception.redelivery_before_receipt",
            field="shipped_on",
            shipped_on=data.shipped_on,
            receipt_date=receipt.receipt_date,
        )
    if data.receipt_date < data.shipped_on:
        raise Invalid(
            "receipt_exception.receipt_before_shipment",
            field="receipt_date",
            receipt_date=data.receipt_date,
            shipped_on=data.shipped_on,
        )
    if data.quantity > exc.quantity:
        raise Invalid(
            "receipt_exception.redelivery_exceeds_shortage",
            field="quantity",
            quantity=data.quantity,
            short=exc.quantity,
        )
    if _receipt_no_taken(session, receipt.customer_id, data.receipt_no):
        raise Conflict(
            "receipt.number_already_posted",
            field="receipt_no",
            receipt_no=data.receipt_no,
            order_id=receipt.order_id,
        )
    evidence.named(session, data.scan_id, "scan_id")
    exc.redelivery_shipped_on, exc.redelivery_waybill_no = data.shipped_on, data.waybill_no
    exc.redelivery_receipt_no, exc.redelivery_receipt_date = data.receipt_no, data.receipt_date
    exc.redelivered_qty, exc.redelivery_scan_id = data.quantity, data.scan_id
    line, order = exc.order_line, receipt.order
    session.add(
        CarryForward(
            customer_id=receipt.customer_id,
            item_id=line.item_id,
            quantity=data.quantity,
            unit_price=line.unit_price,
            tax_rate=line.tax_rate,
            prices_include_tax=order.contract.prices_include_tax,
            reason=(
                f"R8: re-delivery of order {order.company_order_no} (PO {order.customer_po_no}), "
                f"follow-up receipt {data.receipt_no}"
            ),
            source_receipt_exception_id=exc.id,
        )
    )
    _worked(session, ctx, exc, f"re-delivered: follow-up receipt {data.receipt_no} posted")
    if data.quantity < exc.quantity:
        _remainder(session, ctx, exc, data.quantity)
    return answer(session, ctx, exc.id)


def _remainder(
    session: Session, ctx: Context, exc: ReceiptException, redelivered: int
) -> ReceiptException:
    """A follow-up that brought fewer pieces than were short leaves the rest short: a new
    shortage of the remainder on the same receipt line, decided by the rules again, so the
    missing goods are never lost from sight."""
    receipt, line = exc.receipt, exc.order_line
    rest = exc.quantity - redelivered
    shipment = receipt.shipment
    made = decide(
        ctx.rules,
        ctx.today,
        Case(
            kind="shortage",
            quantity=rest,
            value=value_of(rest, line.unit_price),
            warehouse_kind=shipment.warehouse_kind,
            carrier=shipment.carrier,
            customer_grade=receipt.order.customer.grade,
        ),
    )
    remainder = ReceiptException(
        receipt_id=receipt.id,
        order_line_id=line.id,
        kind="shortage",
        expected_item_id=exc.expected_item_id,
        shipped_qty=exc.shipped_qty,
        received_qty=exc.received_qty + (exc.redelivered_qty or 0),
        quantity=rest,
        owner_role=made["owner"],
        decision=made,
    )
    ctx.create(
        session,
        remainder,
        payload={"kind": "shortage", "quantity": rest, "remainder_of": exc.id},
        decisions=[made] if made.get("ruleset") else None,
        how="raise",
    )
    return remainder


def claim(
    session: Session, ctx: Context, *, exception_id: int, data: ClaimIn
) -> ReceiptExceptionOut:
    """The missing goods are claimed from the carrier, with the amount and the evidence, on
    `claimed_on` (the business date of the step)."""
    exc = load(session, exception_id)
    ctx = ctx.carried(session, data.claimed_on, field="claimed_on")
    _take(
        session,
        ctx,
        exc,
        "claim",
        data.reason,
        payload={"amount": data.amount, "claimed_on": data.claimed_on},
    )
    _not_after_today(ctx, data.claimed_on, "claimed_on")
    if data.claimed_on < exc.receipt.receipt_date:
        raise Invalid(
            "receipt_exception.claim_before_receipt",
            field="claimed_on",
            claimed_on=data.claimed_on,
            receipt_date=exc.receipt.receipt_date,
        )
    exc.claim_amount, exc.claimed_on = data.amount, data.claimed_on
    exc.claim_evidence_id = evidence.named(session, data.evidence_id, "evidence_id")
    exc.claim_settled_amount, exc.claim_closed_on = None, None
    return answer(session, ctx, exc.id)


def _closing_day(ctx: Context, exc: ReceiptException, day: date, field: str) -> None:
    _not_after_today(ctx, day, field)
    if exc.claimed_on is not None and day < exc.claimed_on:
        raise Invalid(
            "receipt_exception.before_claim", field=field, day=day, claimed_on=exc.claimed_on
        )


def settle_claim(
    session: Session, ctx: Context, *, exception_id: int, data: SettleIn
) -> ReceiptExceptionOut:
    """The carrier settled the claim: what it pays, never more than was claimed (on
    `settled_on`, the business date of the step)."""
    exc = load(session, exception_id)
    ctx = ctx.carried(session, data.settled_on, field="settled_on")
    ctx.fire(
        session,
        exc,
        "settle_claim",
        payload={"amount": data.amount, "settled_on": data.settled_on},
        if_match=True,
    )
    _closing_day(ctx, exc, data.settled_on, "settled_on")
    if exc.claim_amount is not None and data.amount > exc.claim_amount:
        raise Invalid(
            "receipt_exception.settled_over_claim",
            field="amount",
            amount=data.amount,
            claimed=exc.claim_amount,
        )
    exc.claim_settled_amount, exc.claim_closed_on = data.amount, data.settled_on
    _worked(session, ctx, exc, f"the carrier settled the claim: {data.amount}")
    return answer(session, ctx, exc.id)


def refuse_claim(
    session: Session, ctx: Context, *, exception_id: int, data: RefuseIn
) -> ReceiptExceptionOut:
    """The carrier refused: the shortage is open again for another path; the refused claim
    stays in the carrier's record (its journal). `refused_on` is the business date of the
    step."""
    exc = load(session, exception_id)
    ctx = ctx.carried(session, data.refused_on, field="refused_on")
    ctx.fire(
        session,
        exc,
        "refuse_claim",
        payload={
            "refused_on": data.refused_on,
            "reason": data.reason,
            "claimed": exc.claim_amount,
        },
        if_match=True,
    )
    _closing_day(ctx, exc, data.refused_on, "refused_on")
    exc.claim_closed_on, exc.path = data.refused_on, None
    return answer(session, ctx, exc.id)


def accept(
    session: Session, ctx: Context, *, exception_id: int, data: AcceptIn
) -> ReceiptExceptionOut:
    """Sales closes it as accepted, with the reason: a shortage is not delivered (the rest of
    the order is cancelled: the invoice bills what arrived, R9); a substitution is kept (the
    invoice bills the received model)."""
    exc = load(session, exception_id)
    _take(session, ctx, exc, "accept", data.reason)
    _worked(session, ctx, exc, "accepted by sales")
    return answer(session, ctx, exc.id)
