"""Return use cases up to the goods coming back: request, approve, reject, cancel, receive.

A return holds quantities of its blue invoice's lines until it is rejected or cancelled, so two
returns never take back more than was received and invoiced (the blue invoice's row is locked
while a return is requested). Amounts are per line at the blue line's price and tax rate,
half-up to the fen, as the invoice computed them; once the goods are back they are worked out
again from what was actually received.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence, money
from service.context import Context
from service.db import utcnow
from service.errors import Conflict, Invalid
from service.invoices import queries as invoices
from service.invoices.models import Invoice, InvoiceLine
from service.numbering import document_number
from service.orders.models import Order
from service.receipts.models import Receipt, ReceiptException
from service.receipts.queries import RECEIPT_EXCEPTION_OVERDUE
from service.returns.facts import credit_facts, proposal
from service.returns.models import Return, ReturnLine
from service.returns.queries import answer, claimed, load
from service.returns.schemas import (
    ApproveIn,
    CancelIn,
    ReasonIn,
    ReturnCreate,
    ReturnOut,
    ReturnReceiptIn,
)
from service.scheduler.tasks import resolve_for_subject

ZERO = Decimal("0.00")
# Blue invoice lines that bill goods (a discount line bills none).
GOODS_SOURCES = ("goods", "carry_forward")


def set_totals(ret: Return) -> None:
    ret.amount = sum((line.amount for line in ret.lines), ZERO)
    ret.tax = sum((line.tax for line in ret.lines), ZERO)
    ret.total = ret.amount + ret.tax


attachment = evidence.named


def _blue_invoice(session: Session, ctx: Context, data: ReturnCreate) -> Invoice:
    """The issued blue invoice of the order, locked: returns of one invoice queue here."""
    if session.get(Order, data.order_id) is None:
        raise Invalid("return.order_unknown", field="order_id", order_id=data.order_id)
    if session.get(Invoice, data.invoice_id) is None:
        raise Invalid("return.invoice_unknown", field="invoice_id", invoice_id=data.invoice_id)
    invoice = invoices.load(session, data.invoice_id, for_update=True)
    if invoice.order_id != data.order_id:
        raise Invalid(
            "return.invoice_not_of_order",
            field="invoice_id",
            invoice_no=invoice.invoice_no,
            order_id=data.order_id,
        )
    if invoice.kind != "blue" or invoice.state not in invoices.creditable(ctx.workflows):
        raise Conflict(
            "return.invoice_not_receivable",
            field="invoice_id",
            invoice_no=invoice.invoice_no,
            kind=invoice.kind,
            state=invoice.state,
        )
    return invoice


def _lines(
    session: Session, ctx: Context, invoice: Invoice, data: ReturnCreate
) -> list[ReturnLine]:
    by_no: dict[int, InvoiceLine] = {line.line_no: line for line in invoice.lines}
    held = claimed(session, ctx.workflows, [line.id for line in invoice.lines])
    seen: set[int] = set()
    lines = []
    for index, given in enumerate(data.lines):
        where = f"lines[{index}]"
        blue = by_no.get(given.line_no)
        if blue is None:
            raise Invalid(
                "return.line_not_on_invoice",
                field=f"{where}.line_no",
                line_no=given.line_no,
                invoice_no=invoice.invoice_no,
            )
        if blue.source not in GOODS_SOURCES:
            raise Invalid(
                "return.line_not_goods",
                field=f"{where}.line_no",
                line_no=given.line_no,
                source=blue.source,
            )
        if given.line_no in seen:
            raise Invalid("return.duplicate_line", field=f"{where}.line_no", line_no=given.line_no)
        seen.add(given.line_no)
        returned = held.get(blue.id, 0)
        returnable = max(blue.quantity - returned, 0)
        if given.quantity > returnable:
            raise Conflict(
                "return.quantity_exceeds_returnable",
                field=f"{where}.quantity",
                line_no=given.line_no,
                item=blue.item.code,
                quantity=given.quantity,
                invoiced=blue.quantity,
                returned=returned,
                returnable=returnable,
            )
        amount, tax = money.goods(
            blue.unit_price, given.quantity, blue.tax_rate, includes_tax=invoice.prices_include_tax
        ).parts
        lines.append(
            ReturnLine(
                line_no=index + 1,
                invoice_line_id=blue.id,
                order_line_id=blue.order_line_id,
                item_id=blue.item_id,
                quantity=given.quantity,
                unit_price=blue.unit_price,
                tax_rate=blue.tax_rate,
                amount=amount,
                tax=tax,
            )
        )
    return lines


def request(session: Session, ctx: Context, *, data: ReturnCreate) -> ReturnOut:
    """Sales asks to take goods back from an invoiced order (R24), on the business date given
    (not before the invoice's fapiao date), numbered in its year."""
    invoice = _blue_invoice(session, ctx, data)
    ctx = ctx.dated(
        session, data.business_date, field="business_date", not_before=invoice.fapiao_date
    )
    ret = Return(
        return_no=document_number(session, "TH", ctx.day.year),
        customer_id=invoice.customer_id,
        order_id=invoice.order_id,
        invoice_id=invoice.id,
        reason=data.reason,
        note=data.note,
        created_by=ctx.actor.username,
        lines=_lines(session, ctx, invoice, data),
    )
    set_totals(ret)
    ctx.create(
        session,
        ret,
        payload={
            "invoice_no": invoice.invoice_no,
            "reason": data.reason,
            "lines": [line.model_dump() for line in data.lines],
            "total": ret.total,
            "receipt_exception_id": data.receipt_exception_id,
        },
    )
    if data.receipt_exception_id is not None:
        _send_back_substitution(session, ctx, ret, data.receipt_exception_id)
    return answer(session, ctx, ret.id)


def _send_back_substitution(session: Session, ctx: Context, ret: Return, exception_id: int) -> None:
    """R8: a substitution found at receipt goes back through this return; the exception's
    lifecycle records it (`return_goods`), once."""
    exc = session.scalar(
        select(ReceiptException).where(ReceiptException.id == exception_id).with_for_update()
    )
    field = "receipt_exception_id"
    if exc is None:
        raise Invalid("return.receipt_exception_unknown", field=field, exception_id=exception_id)
    order_id = session.scalar(select(Receipt.order_id).where(Receipt.id == exc.receipt_id))
    if order_id != ret.order_id:
        raise Invalid(
            "return.receipt_exception_of_other_order", field=field, exception_id=exception_id
        )
    if not any(line.item_id == exc.received_item_id for line in ret.lines):
        raise Invalid(
            "return.receipt_exception_model_not_returned", field=field, exception_id=exception_id
        )
    ctx.fire(session, exc, "return_goods", payload={"return_no": ret.return_no})
    exc.return_id, exc.path, exc.reason = ret.id, "return", ret.reason
    exc.decided_by, exc.decided_at = ctx.actor.username, utcnow()
    resolve_for_subject(
        session,
        ctx,
        kind=RECEIPT_EXCEPTION_OVERDUE,
        subject_type="receipt_exception",
        subject_id=exc.id,
        note=f"returned through return {ret.return_no}",
    )


def approve(session: Session, ctx: Context, *, return_id: int, data: ApproveIn) -> ReturnOut:
    """HQ or finance approves, with the approval report (批复报告) on file (R25), on the business
    date given."""
    ret = load(session, return_id)
    ctx = ctx.dated(session, data.business_date, field="business_date")
    ctx.fire(
        session,
        ret,
        "approve",
        payload={"approval_report_id": data.approval_report_id, "note": data.note},
        if_match=True,
    )
    if data.approval_report_id is None:
        raise Invalid("return.approval_report_required", field="approval_report_id")
    ret.approval_report_id = attachment(session, data.approval_report_id, "approval_report_id")
    ret.decided_by, ret.decision_reason = ctx.actor.username, data.note
    return answer(session, ctx, ret.id)


def reject(session: Session, ctx: Context, *, return_id: int, data: ReasonIn) -> ReturnOut:
    ret = load(session, return_id)
    ctx.fire(session, ret, "reject", payload={"reason": data.reason}, if_match=True)
    ret.decided_by, ret.decision_reason = ctx.actor.username, data.reason
    return answer(session, ctx, ret.id)


def cancel(session: Session, ctx: Context, *, return_id: int, data: CancelIn) -> ReturnOut:
    """Withdrawn before the goods came back; its quantities are free again."""
    ret = load(session, return_id)
    ctx.fire(session, ret, "cancel", payload={"reason": data.reason}, if_match=True)
    return answer(session, ctx, ret.id)


def _check_receipt(session: Session, ctx: Context, ret: Return, data: ReturnReceiptIn) -> None:
    lines = {line.line_no: line for line in ret.lines}
    seen: set[int] = set()
    for index, given in enumerate(data.lines):
        where = f"lines[{index}]"
        line = lines.get(given.line_no)
        if line is None:
            raise Invalid(
                "return.receipt_line_unknown",
                field=f"{where}.line_no",
                line_no=given.line_no,
                return_no=ret.return_no,
            )
        if given.line_no in seen:
            raise Invalid(
                "return.receipt_line_duplicate", field=f"{where}.line_no", line_no=given.line_no
            )
        seen.add(given.line_no)
        if given.received_qty > line.quantity:
            raise Conflict(
                "return.received_exceeds_requested",
                field=f"{where}.received_qty",
                line_no=given.line_no,
                received=given.received_qty,
                requested=line.quantity,
            )
    missing = sorted(set(lines) - seen)
    if missing:
        raise Invalid("return.receipt_line_missing", field="lines", line_nos=missing)
    if not any(given.received_qty for given in data.lines):
        raise Conflict("return.nothing_received", field="lines", return_no=ret.return_no)
    if data.received_on > ctx.today:
        raise Invalid("return.date_in_future", field="received_on", day=data.received_on)
    attachment(session, data.scan_id, "scan_id")
    clash = session.scalar(
        select(Return.return_no).where(
            Return.customer_id == ret.customer_id,
            Return.receipt_no == data.receipt_no,
            Return.id != ret.id,
        )
    )
    if clash is not None:
        raise Conflict(
            "return.receipt_number_taken",
            field="receipt_no",
            receipt_no=data.receipt_no,
            return_no=clash,
        )


def receive(session: Session, ctx: Context, *, return_id: int, data: ReturnReceiptIn) -> ReturnOut:
    """Logistics posts the return receipt (退货入库单): what actually came back, and its scan.

    The credit is what came back: amounts are worked out again from the received quantities,
    and the return_credit rules propose how it is credited (kept with their explanation). The
    day the goods came back is the business date of the step."""
    ret = load(session, return_id)
    ctx = ctx.carried(session, data.received_on, field="received_on")
    _check_receipt(session, ctx, ret, data)
    invoice = invoices.load(session, ret.invoice_id)
    received = {given.line_no: given.received_qty for given in data.lines}
    for line in ret.lines:
        line.received_qty = received[line.line_no]
        line.amount, line.tax = money.goods(
            line.unit_price,
            line.received_qty,
            line.tax_rate,
            includes_tax=invoice.prices_include_tax,
        ).parts
    set_totals(ret)
    ret.receipt_no, ret.received_on, ret.receipt_scan_id = (
        data.receipt_no,
        data.received_on,
        data.scan_id,
    )
    facts = credit_facts(ret, ret.customer, invoice.use_confirmed_on is not None)
    ret.proposal = proposal(ctx.rules, ctx.today, facts)
    ctx.fire(
        session,
        ret,
        "receive",
        payload={**data.model_dump(mode="json"), "total": ret.total},
        decisions=[ret.proposal] if "ruleset" in ret.proposal else [],
        if_match=True,
    )
    return answer(session, ctx, ret.id)
