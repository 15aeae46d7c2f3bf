"""Reissue (退回重开): a red-letter form reversing the original in full, and the corrected one.

The red invoice is issued against the form (reason issuing error) like any red invoice, after
the buyer's confirmation where the platform needs it; it voids the original, and only then may
the corrected invoice be issued. A reissue reverses the whole original, so it is refused once
part of the original is taken back otherwise (a partial red invoice, a return deduction, an
open red-letter form): that part would be credited twice. Return deductions the original
carries are carried by the corrected invoice, so their returns stay credited once.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.lines import ZERO, DraftLine, build_lines, drafts_of, set_totals
from service.invoices.models import Invoice
from service.invoices.queries import agreed, load
from service.invoices.redletter import deductions, forms
from service.invoices.redletter import queries as red_letter
from service.invoices.redletter.models import RedLetterForm
from service.numbering import document_number


def reverse_and_correct(
    session: Session,
    ctx: Context,
    *,
    original: Invoice,
    correct: Callable[[list[DraftLine]], list[DraftLine]],
    reason: str,
) -> tuple[RedLetterForm, Invoice]:
    """A reissue: a red-letter form reversing the original in full, and the corrected invoice.

    A second correction of the same original is applied to the corrected draft already made,
    so the original is never reversed twice. The caller holds the original's row
    (`load(..., for_update=True)`), so two corrections at the same moment queue and the second
    sees the first's. An original already partly taken back is refused
    (`invoice.partly_reversed`) before anything changes.
    """
    if original.kind != "blue":
        raise Conflict("invoice.red_not_reissued", invoice_no=original.invoice_no)
    editable = ctx.workflows.tagged(Invoice, "editable")
    created = original.replaced_by_id is None
    # R12: the discount rate agreed for the order, whatever HQ has set since.
    rate = agreed(session, original.order).discount_rate
    if not created:
        corrected = load(session, original.replaced_by_id or 0)
        if corrected.state not in editable:
            raise Conflict(
                "invoice.already_replaced",
                invoice_no=original.invoice_no,
                replaced_by=corrected.invoice_no,
            )
        form = red_letter.reissue_form_of(session, original.id)
        drafts = correct(drafts_of(corrected, rate))
        corrected.lines.clear()
        session.flush()
    else:
        form = forms.reissue_form(session, ctx, original, note=reason)
        drafts = correct(drafts_of(original, rate))
        corrected = Invoice(
            invoice_no=document_number(session, "IV", ctx.day.year),
            kind="blue",
            customer_id=original.customer_id,
            order_id=original.order_id,
            remark=original.remark,
            prices_include_tax=original.prices_include_tax,
            delivery_route=original.delivery_route,
            delivery_address=original.delivery_address,
            original_id=original.id,
            term_start=original.term_start,
            due_date=original.due_date,
            created_by=ctx.actor.username,
            amount=ZERO,
            tax=ZERO,
            total=ZERO,
        )
    lines = build_lines(
        drafts,
        includes_tax=original.prices_include_tax,
        discount_rate=rate,
        on_invoice=original.customer.discount_mode == "on_invoice",
    )
    corrected.lines.extend(lines)
    set_totals(corrected, lines, max_lines=ctx.settings.invoice_max_lines)
    deductions.refuse_negative(corrected, lines)
    if created:
        payload = {
            "replaces": original.invoice_no,
            "reason": reason,
            "red_letter_form": form.form_no,
            "total": corrected.total,
            "return_deductions": sorted({ln.return_id for ln in lines if ln.return_id is not None}),
        }
        ctx.create(session, corrected, payload=payload)
    session.flush()
    original.replaced_by_id = corrected.id
    return form, corrected
