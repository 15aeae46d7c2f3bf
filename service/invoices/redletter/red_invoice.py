"""The red invoice (R24 a) issued against a usable red-letter form: negative lines taking back
the blue lines the form names, the credit booked now and not before."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import ledger
from service.context import Context
from service.errors import Conflict, Invalid
from service.invoices import queries as invoices
from service.invoices.lines import set_totals
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.redletter import capacity
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.invoices.redletter.queries import load
from service.invoices.schemas import InvoiceIssue, InvoiceOut
from service.masterdata import queries as masterdata
from service.numbering import document_number
from service.returns.models import Return

ZERO = Decimal("0.00")


def _check_fapiao(session: Session, ctx: Context, blue: Invoice, data: InvoiceIssue) -> None:
    if data.fapiao_date > ctx.today:
        raise Invalid("invoice.date_in_future", field="fapiao_date", day=data.fapiao_date)
    if blue.fapiao_date is not None and data.fapiao_date < blue.fapiao_date:
        raise Invalid(
            "invoice.date_before_previous_step",
            field="fapiao_date",
            day=data.fapiao_date,
            earliest=blue.fapiao_date,
        )
    clash = session.scalar(select(Invoice.id).where(Invoice.fapiao_no == data.fapiao_no))
    if clash is not None:
        raise Conflict(
            "invoice.fapiao_already_recorded",
            field="fapiao_no",
            fapiao_no=data.fapiao_no,
            invoice_id=clash,
        )


def _within(blue_line: InvoiceLine, taken: RedLetterFormLine, room: capacity.Left) -> None:
    """Never more than the blue line still holds. A discount line's share is negative and so is
    what is left of it; a deduction line is only ever taken back whole (a reissue's form)."""
    if blue_line.source in capacity.REVERSIBLE:
        fits = (
            taken.quantity <= room.quantity
            and taken.amount <= room.amount
            and taken.tax <= room.tax
        )
    elif blue_line.source == capacity.DISCOUNT:
        fits = taken.amount >= room.amount and taken.tax >= room.tax
    else:
        fits = True
    if not fits:
        raise Conflict(
            "red_letter_form.exceeds_remaining",
            line_no=blue_line.line_no,
            item_code=blue_line.item.code,
            quantity=taken.quantity,
            remaining_quantity=room.quantity,
            amount=taken.amount,
            remaining_amount=room.amount,
        )


def _red_lines(
    blue: Invoice, form: RedLetterForm, left: dict[int, capacity.Left]
) -> list[InvoiceLine]:
    """The form's lines negated. Each names the blue line it takes back; the reversal of a
    return deduction names the line the deduction took back from, which it gives back (the
    reissue's corrected invoice takes it again, so the return is taken back once)."""
    by_id = {line.id: line for line in blue.lines}
    lines = []
    for taken in form.lines:
        blue_line = by_id[taken.blue_line_id]
        _within(blue_line, taken, left.get(blue_line.id, capacity.Left(0, ZERO, ZERO)))
        lines.append(
            InvoiceLine(
                line_no=taken.line_no,
                source="reversal",
                item_id=blue_line.item_id,
                order_line_id=blue_line.order_line_id,
                reverses_line_id=(
                    blue_line.reverses_line_id
                    if blue_line.source == "return_deduction"
                    else blue_line.id
                ),
                quantity=-taken.quantity,
                unit_price=blue_line.unit_price,
                amount=-taken.amount,
                tax_rate=blue_line.tax_rate,
                tax=-taken.tax,
            )
        )
    return lines


def issue_red(session: Session, ctx: Context, *, form_id: int, data: InvoiceIssue) -> InvoiceOut:
    """Make and issue the red invoice of a confirmed (or no-confirmation-needed) form, on its
    fapiao date (the business date: not in a closed period), numbered in that year.

    The blue invoice's row is held first, so red invoices of one blue invoice queue and each
    sees what the other took back; a red invoice leaving nothing on the blue one voids it.
    """
    blue_id = session.scalar(
        select(RedLetterForm.blue_invoice_id).where(RedLetterForm.id == form_id)
    )
    if blue_id is None:
        load(session, form_id)  # not found
    blue = invoices.load(session, blue_id or 0, for_update=True)
    form = load(session, form_id, fresh=True)
    ctx = ctx.carried(session, data.fapiao_date, field="fapiao_date")
    ctx.fire(
        session,
        form,
        "issue_red",
        payload={"fapiao_no": data.fapiao_no, "fapiao_date": data.fapiao_date},
        if_match=True,
    )
    _check_fapiao(session, ctx, blue, data)
    left = capacity.remaining(session, ctx.workflows, blue, except_form=form.id)
    lines = _red_lines(blue, form, left)
    red = Invoice(
        invoice_no=document_number(session, "IV", ctx.day.year),
        kind="red",
        customer_id=blue.customer_id,
        order_id=blue.order_id,
        remark=f"红字发票 red-letter form {form.form_no}"
        + (f" (platform {form.platform_no})" if form.platform_no else "")
        + f"; reverses {blue.invoice_no} (fapiao {blue.fapiao_no}); {blue.remark}",
        prices_include_tax=blue.prices_include_tax,
        delivery_route=blue.delivery_route,
        delivery_address=blue.delivery_address,
        original_id=blue.id,
        term_start=blue.term_start,
        due_date=blue.due_date,
        # Issued now, against the form: the parties as they stand now.
        parties=masterdata.parties_now(ctx, blue.customer).stored(),
        created_by=ctx.actor.username,
        lines=lines,
    )
    set_totals(red, lines, max_lines=ctx.settings.invoice_max_lines)
    ctx.create(
        session,
        red,
        payload={"reverses": blue.invoice_no, "form": form.form_no, "total": red.total},
    )
    ctx.fire(
        session,
        red,
        "issue",
        payload={"fapiao_no": data.fapiao_no, "fapiao_date": data.fapiao_date},
    )
    red.fapiao_no, red.fapiao_date = data.fapiao_no, data.fapiao_date
    form.red_invoice_id = red.id
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "invoice.fapiao_recorded_concurrently", field="fapiao_no", fapiao_no=data.fapiao_no
        ) from None
    _post(session, ctx, blue, red)
    if capacity.fully_taken(capacity.remaining(session, ctx.workflows, blue, promised=False)):
        ctx.fire(
            session,
            blue,
            "void",
            payload={"red_invoice": red.invoice_no, "fapiao_no": data.fapiao_no},
        )
        blue.reversed_by_id = red.id
    else:
        if blue.state == "partly_paid" and blue.outstanding == ZERO:
            # What was paid on it covers what the red invoice left of it.
            ctx.fire(session, blue, "pay", payload={"red_invoice": red.invoice_no})
        # Its statement and order follow at once (paid, partly paid, closed).
        ctx.money_moved(session, {blue.id}, payload={"red_invoice": red.invoice_no})
    if form.return_id is not None:
        _credit_return(session, ctx, form, red)
    return invoices.answer(session, ctx, red.id)


def _post(session: Session, ctx: Context, blue: Invoice, red: Invoice) -> None:
    """The red invoice takes its amount off what is owed on the blue one; what the blue one
    no longer holds (it was paid already) becomes the customer's unapplied credit."""
    taken_back = -red.total
    excess = max(taken_back - blue.outstanding, ZERO) if taken_back > ZERO else ZERO
    ledger.post(
        session,
        ledger.Posting(
            customer_id=blue.customer_id,
            kind="red_invoice",
            source_type="invoice",
            source_id=red.id,
            amount=red.total,
            day=red.fapiao_date or ctx.today,
            reference=red.invoice_no,
            invoice_id=blue.id,
            charges={blue.id: red.total},
            allocations={blue.id: -excess} if excess else {},
        ),
        actor=ctx.actor.username,
    )


def _credit_return(session: Session, ctx: Context, form: RedLetterForm, red: Invoice) -> None:
    """The return the form came from is credited by this red invoice, once."""
    ret = session.get(Return, form.return_id)
    if ret is None:  # pragma: no cover - a foreign key
        return
    ctx.fire(
        session,
        ret,
        "credit",
        payload={"red_invoice": red.invoice_no, "form": form.form_no, "total": form.total},
    )
    ret.credit_invoice_id, ret.credited_on = red.id, red.fapiao_date
    ret.amount, ret.tax, ret.total = form.amount, form.tax, form.total
