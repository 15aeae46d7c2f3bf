"""Storing a red-letter form: the lines it takes back and its money, as entered by the seller;
and the form of a reissue (退回重开, reason issuing error), which takes the whole blue invoice
back: the red invoice that voids it is issued against that form like any other."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.context import Context
from service.errors import Conflict
from service.invoices.models import Invoice
from service.invoices.redletter import capacity
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.masterdata import queries as masterdata
from service.numbering import document_number
from service.returns.models import Return

ZERO = capacity.ZERO


def new_form(
    session: Session,
    ctx: Context,
    blue: Invoice,
    reason: str,
    takings: list[capacity.Taking],
    *,
    ret: Return | None = None,
    note: str | None = None,
) -> RedLetterForm:
    """Store a form taking `takings` back from `blue`, entered by the seller."""
    lines = [
        RedLetterFormLine(
            line_no=number,
            blue_line_id=taking.line.id,
            item_id=taking.line.item_id,
            quantity=taking.quantity,
            amount=taking.money.amount,
            tax=taking.money.tax,
        )
        for number, taking in enumerate(takings, start=1)
    ]
    amount = sum((line.amount for line in lines), ZERO)
    tax = sum((line.tax for line in lines), ZERO)
    form = RedLetterForm(
        form_no=document_number(session, "HZ", ctx.day.year),
        customer_id=blue.customer_id,
        blue_invoice_id=blue.id,
        return_id=ret.id if ret is not None else None,
        reason=reason,
        initiator="seller",
        amount=amount,
        tax=tax,
        total=amount + tax,
        parties=masterdata.parties_now(ctx, blue.customer).stored(),
        created_by=ctx.actor.username,
        lines=lines,
    )
    payload: dict[str, Any] = {
        "blue_invoice": blue.invoice_no,
        "reason": reason,
        "return": ret.return_no if ret is not None else None,
        "total": form.total,
    }
    if note is not None:
        payload["note"] = note
    ctx.create(session, form, payload=payload)
    return form


def reissue_form(session: Session, ctx: Context, blue: Invoice, *, note: str) -> RedLetterForm:
    """The form of a reissue: every line of `blue` taken back (its discount and deduction lines
    too), reason issuing error. Refused while anything else takes part of `blue` back: a full
    reversal would take that part back twice. The caller holds `blue`'s row."""
    taken = capacity.takers(session, ctx.workflows, blue)
    if taken:
        raise Conflict(
            "invoice.partly_reversed",
            invoice_no=blue.invoice_no,
            red_invoices=", ".join(taken.invoices) or "-",
            forms=", ".join(taken.forms) or "-",
        )
    return new_form(session, ctx, blue, "issuing_error", capacity.everything(blue), note=note)
