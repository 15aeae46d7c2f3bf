"""Reissue (退回重开): a red invoice reversing the original in full, and the corrected one.

A reissue reverses the whole original, so it is refused once part of the original is taken
back otherwise (a partial red invoice, a return deduction, an open red-letter form): that part
would be credited twice. Return deductions the original carries are carried by the corrected
invoice, so their returns stay credited once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.lines import ZERO, DraftLine, build_lines, drafts_of, set_totals
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.queries import load
from service.invoices.redletter import capacity, deductions
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
    so two corrections at the same moment queue and the second sees the first's. An original
    already partly taken back is refused (`invoice.partly_reversed`) before anything changes.
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
        taken = capacity.takers(session, ctx.workflows, original)
        if taken:
            raise Conflict(
                "invoice.partly_reversed",
                invoice_no=original.invoice_no,
                red_invoices=", ".join(taken.invoices) or "-",
                forms=", ".join(taken.forms) or "-",
            )
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
    deductions.refuse_negative(corrected, lines)
    if created:
        payload = {
            "replaces": original.invoice_no,
            "reason": reason,
            "total": corrected.total,
            "return_deductions": sorted({ln.return_id for ln in lines if ln.return_id is not None}),
        }
        ctx.create(session, corrected, payload=payload)
    session.flush()
    original.reversed_by_id, original.replaced_by_id = red.id, corrected.id
    return red, corrected


def _red_copy(session: Session, ctx: Context, *, original: Invoice, reason: str) -> Invoice:
    """Every line of the original, negated; each names the line it reverses, so what a blue
    line still holds (capacity) sees the reversal. A return deduction's reversal names the
    blue line the deduction took back from: it gives that back, and the corrected invoice's
    copy of the deduction takes it again, so the returned goods are taken back once."""
    lines = [
        InvoiceLine(
            line_no=line.line_no,
            source="reversal",
            item=line.item,
            order_line_id=line.order_line_id,
            reverses_line_id=(
                line.reverses_line_id if line.source == "return_deduction" else line.id
            ),
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
