"""Reissue (退回重开): a red invoice reversing the original in full, and the corrected one."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.lines import ZERO, DraftLine, build_lines, drafts_of, set_totals
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.queries import load
from service.numbering import document_number


def reverse_and_correct(
    session: Session,
    ctx: Context,
    *,
    original: Invoice,
    correct: Callable[[list[DraftLine]], list[DraftLine]],
    reason: str,
) -> tuple[Invoice, Invoice]:
    """A reissue: a red invoice reversing the original in full, and the corrected invoice.

    A second correction of the same original is applied to the corrected draft already made,
    so the original is never reversed twice (a red invoice never takes back more than the
    original still holds). The caller holds the original's row (`load(..., for_update=True)`),
    so two corrections at the same moment queue and the second sees the first's.
    """
    if original.kind != "blue":
        raise Conflict("invoice.red_not_reissued", invoice_no=original.invoice_no)
    max_lines = ctx.settings.invoice_max_lines
    editable = ctx.workflows.tagged(Invoice, "editable")
    created = original.replaced_by_id is None
    if not created:
        corrected = load(session, original.replaced_by_id or 0)
        if corrected.state not in editable:
            raise Conflict(
                "invoice.already_replaced",
                invoice_no=original.invoice_no,
                replaced_by=corrected.invoice_no,
            )
        red = load(session, original.reversed_by_id or 0)
        drafts = correct(drafts_of(corrected))
        corrected.lines.clear()
        session.flush()
    else:
        red = _red_copy(session, ctx, original=original, reason=reason)
        drafts = correct(drafts_of(original))
        corrected = Invoice(
            invoice_no=document_number(session, "IV", ctx.today.year),
            kind="blue",
            customer_id=original.customer_id,
            order_id=original.order_id,
            remark=original.remark,
            prices_include_tax=original.prices_include_tax,
            delivery_route=original.delivery_route,
            delivery_address=original.delivery_address,
            original_id=original.id,
            created_by=ctx.actor.username,
            amount=ZERO,
            tax=ZERO,
            total=ZERO,
        )
    contract = original.order.contract
    lines = build_lines(
        drafts,
        includes_tax=original.prices_include_tax,
        discount_rate=contract.discount_rate,
        on_invoice=original.customer.discount_mode == "on_invoice",
    )
    corrected.lines.extend(lines)
    set_totals(corrected, lines, max_lines=max_lines)
    if created:
        payload = {"replaces": original.invoice_no, "reason": reason, "total": corrected.total}
        ctx.create(session, corrected, payload=payload)
    session.flush()
    original.reversed_by_id, original.replaced_by_id = red.id, corrected.id
    return red, corrected


def _red_copy(session: Session, ctx: Context, *, original: Invoice, reason: str) -> Invoice:
    lines = [
        InvoiceLine(
            line_no=line.line_no,
            source="reversal",
            item=line.item,
            order_line_id=line.order_line_id,
            quantity=-line.quantity,
            unit_price=line.unit_price,
            amount=-line.amount,
            tax_rate=line.tax_rate,
            tax=-line.tax,
        )
        for line in original.lines
    ]
    red = Invoice(
        invoice_no=document_number(session, "IV", ctx.today.year),
        kind="red",
        customer_id=original.customer_id,
        order_id=original.order_id,
        remark=f"红字冲销 reverses {original.invoice_no} (fapiao {original.fapiao_no}); "
        f"{original.remark}",
        prices_include_tax=original.prices_include_tax,
        delivery_route=original.delivery_route,
        delivery_address=original.delivery_address,
        original_id=original.id,
        created_by=ctx.actor.username,
        lines=lines,
    )
    set_totals(red, lines, max_lines=ctx.settings.invoice_max_lines)
    ctx.create(
        session,
        red,
        payload={"reverses": original.invoice_no, "reason": reason, "total": red.total},
    )
    return red
