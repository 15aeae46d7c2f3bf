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

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.exceptions.models import InvoiceException
from service.invoices.lines import ZERO, DraftLine, build_lines, drafts_of, set_totals
from service.invoices.models import Invoice
from service.invoices.queries import agreed, answer, load
from service.invoices.redletter import deductions, forms
from service.invoices.redletter import queries as red_letter
from service.invoices.redletter.models import RedLetterForm
from service.invoices.schemas import AbandonReissue, InvoiceOut
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


def abandon(session: Session, ctx: Context, *, invoice_id: int, data: AbandonReissue) -> InvoiceOut:
    """Give up a reissue before its red invoice is issued: its corrected draft is discarded, its
    red-letter forms still open are revoked, the original is no longer being replaced (other
    red-letter forms, for a return, may take from it again), and the invoice exception the
    reissue carried out says it was abandoned. Both invoices' rows are held meanwhile."""
    corrected = load(session, invoice_id, for_update=True)
    if corrected.kind != "blue" or corrected.original_id is None:
        raise Conflict("invoice.not_a_reissue", field="invoice_id", invoice_no=corrected.invoice_no)
    original = load(session, corrected.original_id, for_update=True)
    if original.reversed_by_id is not None:
        raise Conflict(
            "invoice.reissue_already_reversed",
            field="invoice_id",
            invoice_no=corrected.invoice_no,
            original=original.invoice_no,
        )
    why = {"abandoned_reissue_of": original.invoice_no, "reason": data.reason}
    ctx.fire(session, corrected, "discard", payload=why, if_match=True)
    forms_open = session.scalars(
        select(RedLetterForm).where(
            RedLetterForm.blue_invoice_id == original.id,
            RedLetterForm.reason == "issuing_error",
            RedLetterForm.state.in_(ctx.workflows.tagged(RedLetterForm, "open")),
        )
    ).all()
    for form in forms_open:
        ctx.fire(session, form, "revoke", payload=why | {"corrected": corrected.invoice_no})
        form.void_reason = f"revoke: reissue abandoned: {data.reason}"
    original.replaced_by_id = None
    for exc in session.scalars(
        select(InvoiceException).where(InvoiceException.invoice_id == original.id)
    ):
        if (exc.result or {}).get("corrected_invoice_id") == corrected.id:
            exc.result = exc.result | {
                "abandoned": {
                    "by": ctx.actor.username,
                    "on": ctx.day.isoformat(),
                    "reason": data.reason,
                }
            }
    return answer(session, ctx, corrected.id)
