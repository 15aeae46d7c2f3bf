"""Red-letter forms (R24 a): the blue invoice's use confirmation, a form made for a blue invoice
or from a return, and its steps on the tax platform (submit, the buyer's form, no confirmation
needed, confirm, deny, revoke)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service import money
from service.context import Context
from service.errors import Conflict, Invalid, NotFound
from service.invoices import queries as invoices
from service.invoices.models import Invoice, InvoiceLine
from service.invoices.redletter import capacity, forms
from service.invoices.redletter.models import RedLetterForm
from service.invoices.redletter.queries import answer, load
from service.invoices.redletter.schemas import (
    FormCreate,
    FormFromBuyer,
    FormLineIn,
    FormOut,
    FormReasonIn,
    FormSubmit,
    UseConfirmation,
)
from service.invoices.schemas import InvoiceOut
from service.returns.models import Return

# The other side confirms within 72 hours of initiation, or the form voids itself.
ANSWER_WITHIN = timedelta(hours=72)
ZERO = Decimal("0.00")


def record_use(
    session: Session, ctx: Context, *, invoice_id: int, data: UseConfirmation
) -> InvoiceOut:
    """The buyer confirmed use (用途确认) of a blue invoice: from now on a form needs the other
    side's confirmation."""
    invoice = invoices.load(session, invoice_id, for_update=True)
    if ctx.expected_version is not None and ctx.expected_version != invoice.version:
        raise Conflict(
            "document.version_mismatch",
            field="If-Match",
            machine="invoice",
            document_id=invoice.id,
            current_version=invoice.version,
            sent_version=ctx.expected_version,
        )
    if invoice.kind != "blue" or invoice.state not in invoices.creditable(ctx.workflows):
        raise Conflict(
            "invoice.use_not_confirmable",
            field="invoice_id",
            invoice_no=invoice.invoice_no,
            kind=invoice.kind,
            state=invoice.state,
        )
    day = data.confirmed_on
    if day > ctx.today:
        raise Invalid("invoice.date_in_future", field="confirmed_on", day=day)
    if invoice.fapiao_date is not None and day < invoice.fapiao_date:
        raise Invalid(
            "invoice.date_before_previous_step",
            field="confirmed_on",
            day=day,
            earliest=invoice.fapiao_date,
        )
    ctx.carried(session, day, field="confirmed_on")  # not in a closed period
    if invoice.use_confirmed_on not in (None, day):
        raise Conflict(
            "invoice.use_already_confirmed",
            field="confirmed_on",
            invoice_no=invoice.invoice_no,
            confirmed_on=invoice.use_confirmed_on,
        )
    invoice.use_confirmed_on = day
    return invoices.answer(session, ctx, invoice.id)


# --- making a form ---------------------------------------------------------------------------


def _return_for(session: Session, return_id: int) -> Return:
    ret = session.scalar(select(Return).where(Return.id == return_id).with_for_update())
    if ret is None:
        raise Invalid("red_letter_form.return_unknown", field="from_return", return_id=return_id)
    if ret.state != "method_chosen" or ret.credit_method != "red_letter":
        raise Conflict(
            "red_letter_form.return_not_awaiting_red_letter",
            field="from_return",
            return_no=ret.return_no,
            state=ret.state,
            credit_method=ret.credit_method or "-",
        )
    return ret


def _lines_of_return(ret: Return) -> list[FormLineIn]:
    lines = [
        FormLineIn(blue_line_id=line.invoice_line_id, quantity=line.received_qty or 0)
        for line in ret.lines
        if line.received_qty
    ]
    if not lines:
        raise Conflict(
            "red_letter_form.return_nothing_received", field="from_return", return_no=ret.return_no
        )
    return lines


def _what(session: Session, data: FormCreate) -> tuple[int, str, list[FormLineIn], Return | None]:
    """The blue invoice, the reason and the lines the form asks for, from the body or a return."""
    if data.from_return is not None:
        if data.lines or data.reason not in (None, "sales_return"):
            raise Invalid("red_letter_form.return_defines_lines", field="from_return")
        ret = _return_for(session, data.from_return)
        if data.invoice_id not in (None, ret.invoice_id):
            raise Invalid(
                "red_letter_form.return_of_other_invoice",
                field="invoice_id",
                return_no=ret.return_no,
                invoice_id=data.invoice_id,
            )
        return ret.invoice_id, "sales_return", _lines_of_return(ret), ret
    if data.invoice_id is None:
        raise Invalid("red_letter_form.invoice_required", field="invoice_id")
    if data.reason is None:
        raise Invalid("red_letter_form.reason_required", field="reason")
    return data.invoice_id, data.reason, data.lines, None


def _blue(session: Session, ctx: Context, invoice_id: int) -> Invoice:
    try:
        blue = invoices.load(session, invoice_id, for_update=True)
    except NotFound:
        raise Invalid(
            "red_letter_form.invoice_unknown", field="invoice_id", invoice_id=invoice_id
        ) from None
    if blue.kind != "blue" or blue.state not in invoices.creditable(ctx.workflows):
        raise Conflict(
            "red_letter_form.invoice_not_creditable",
            field="invoice_id",
            invoice_no=blue.invoice_no,
            kind=blue.kind,
            state=blue.state,
        )
    return blue


def _taking(
    index: int,
    wanted: FormLineIn,
    reason: str,
    blue: Invoice,
    lines: dict[int, InvoiceLine],
    left: dict[int, capacity.Left],
) -> capacity.Taking:
    where = f"lines[{index}]"
    line = lines.get(wanted.blue_line_id)
    if line is None:
        raise Invalid(
            "red_letter_form.line_not_on_invoice",
            field=f"{where}.blue_line_id",
            blue_line_id=wanted.blue_line_id,
            invoice_no=blue.invoice_no,
        )
    if line.source not in capacity.REVERSIBLE:
        raise Invalid(
            "red_letter_form.line_not_reversible",
            field=f"{where}.blue_line_id",
            line_no=line.line_no,
            source=line.source,
        )
    room = left[line.id]
    if reason == "sales_discount":
        if wanted.amount is None:
            raise Invalid("red_letter_form.amount_required", field=f"{where}.amount")
        if wanted.quantity:
            raise Invalid("red_letter_form.discount_without_quantity", field=f"{where}.quantity")
        if wanted.amount > room.amount:
            raise Conflict(
                "red_letter_form.exceeds_remaining",
                field=f"{where}.amount",
                line_no=line.line_no,
                item_code=line.item.code,
                quantity=0,
                remaining_quantity=room.quantity,
                amount=wanted.amount,
                remaining_amount=room.amount,
            )
        back = capacity.discount_back(line, wanted.amount, room)
    else:
        if wanted.amount is not None:
            raise Invalid("red_letter_form.amount_not_allowed", field=f"{where}.amount")
        if wanted.quantity < 1:
            raise Invalid("red_letter_form.quantity_required", field=f"{where}.quantity")
        back = capacity.take_back(line, wanted.quantity, room, includes_tax=blue.prices_include_tax)
        if wanted.quantity > room.quantity or back.amount > room.amount:
            raise Conflict(
                "red_letter_form.exceeds_remaining",
                field=f"{where}.quantity",
                line_no=line.line_no,
                item_code=line.item.code,
                quantity=wanted.quantity,
                remaining_quantity=room.quantity,
                amount=back.amount,
                remaining_amount=room.amount,
            )
    return capacity.Taking(
        line, wanted.quantity, money.LineMoney(amount=back.amount, tax=min(back.tax, room.tax))
    )


def _again_for_reissue(
    session: Session, ctx: Context, blue: Invoice, reason: str, wanted: list[FormLineIn]
) -> RedLetterForm:
    """A blue invoice being reissued takes only the reissue's full form (again, after the first
    was denied, revoked or expired): its corrected invoice waits for that red invoice."""
    corrected = invoices.load(session, blue.replaced_by_id or 0)
    if reason != "issuing_error" or wanted:
        raise Conflict(
            "red_letter_form.invoice_being_reissued",
            field="reason" if reason != "issuing_error" else "lines",
            invoice_no=blue.invoice_no,
            corrected=corrected.invoice_no,
        )
    return forms.reissue_form(
        session, ctx, blue, note=f"reissue: corrected by {corrected.invoice_no}"
    )


def create(session: Session, ctx: Context, *, data: FormCreate) -> FormOut:
    """A form for a blue invoice: never promising more than its lines still hold (less red
    invoices, deductions and other open forms). The blue invoice's row is held meanwhile."""
    invoice_id, reason, wanted, ret = _what(session, data)
    blue = _blue(session, ctx, invoice_id)
    ctx = ctx.dated(session, data.business_date, field="business_date", not_before=blue.fapiao_date)
    if blue.replaced_by_id is not None:
        return answer(session, ctx, _again_for_reissue(session, ctx, blue, reason, wanted).id)
    if not wanted:
        raise Invalid("red_letter_form.lines_required", field="lines")
    if ret is not None:
        taken = session.scalar(
            select(RedLetterForm.form_no).where(
                RedLetterForm.return_id == ret.id,
                RedLetterForm.state.in_(ctx.workflows.tagged(RedLetterForm, "open")),
            )
        )
        if taken is not None:
            raise Conflict(
                "red_letter_form.return_has_form",
                field="from_return",
                return_no=ret.return_no,
                form_no=taken,
            )
    seen: set[int] = set()
    for index, line in enumerate(wanted):
        if line.blue_line_id in seen:
            raise Invalid(
                "red_letter_form.line_repeated",
                field=f"lines[{index}].blue_line_id",
                blue_line_id=line.blue_line_id,
            )
        seen.add(line.blue_line_id)
    left = capacity.remaining(session, ctx.workflows, blue)
    by_id = {line.id: line for line in blue.lines}
    takings = [_taking(i, w, reason, blue, by_id, left) for i, w in enumerate(wanted)]
    if reason != "sales_discount":
        takings = capacity.with_discounts(blue, takings, left)
    form = forms.new_form(session, ctx, blue, reason, takings, ret=ret)
    return answer(session, ctx, form.id)


# --- its steps ------------------------------------------------------------------------------


def _platform_no(session: Session, form: RedLetterForm, platform_no: str | None) -> None:
    if platform_no is None:
        return
    clash = session.scalar(
        select(RedLetterForm.form_no).where(
            RedLetterForm.platform_no == platform_no, RedLetterForm.id != form.id
        )
    )
    if clash is not None:
        raise Conflict(
            "red_letter_form.platform_no_taken",
            field="platform_no",
            platform_no=platform_no,
            form_no=clash,
        )
    form.platform_no = platform_no


def _stored(session: Session, ctx: Context, form: RedLetterForm) -> FormOut:
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(
            "red_letter_form.platform_no_taken",
            field="platform_no",
            platform_no=form.platform_no,
            form_no="-",
        ) from None
    return answer(session, ctx, form.id)


def submit(session: Session, ctx: Context, *, form_id: int, data: FormSubmit) -> FormOut:
    """The seller initiates on the platform: the buyer has 72 hours from now to answer."""
    form = load(session, form_id)
    now = ctx.clock.now()
    expires = now + ANSWER_WITHIN
    ctx.fire(
        session,
        form,
        "submit",
        payload={"platform_no": data.platform_no, "expires_at": expires},
        if_match=True,
    )
    _platform_no(session, form, data.platform_no)
    form.initiator, form.initiated_at, form.expires_at = "seller", now, expires
    return _stored(session, ctx, form)


def receive_from_buyer(
    session: Session, ctx: Context, *, form_id: int, data: FormFromBuyer
) -> FormOut:
    """The buyer initiated on the platform: the seller has 72 hours from the buyer's moment."""
    form = load(session, form_id)
    initiated = data.initiated_at
    if initiated.tzinfo is None:
        initiated = initiated.replace(tzinfo=ctx.settings.tz)
    expires = initiated + ANSWER_WITHIN
    ctx.fire(
        session,
        form,
        "receive_from_buyer",
        payload={"platform_no": data.platform_no, "initiated_at": initiated, "expires_at": expires},
        if_match=True,
    )
    if initiated > ctx.clock.now():
        raise Invalid(
            "red_letter_form.initiated_in_future", field="initiated_at", initiated_at=initiated
        )
    _platform_no(session, form, data.platform_no)
    form.initiator, form.initiated_at, form.expires_at = "buyer", initiated, expires
    return _stored(session, ctx, form)


def skip_confirmation(session: Session, ctx: Context, *, form_id: int) -> FormOut:
    """The buyer has not confirmed use of the blue invoice: no confirmation is needed."""
    form = load(session, form_id)
    ctx.fire(session, form, "skip_confirmation", if_match=True)
    form.initiator = "seller"
    return answer(session, ctx, form.id)


def _in_time(ctx: Context, form: RedLetterForm, now: datetime) -> None:
    if form.expires_at is not None and now >= form.expires_at:
        raise Conflict(
            "red_letter_form.expired",
            form_no=form.form_no,
            expires_at=form.expires_at,
        )


def confirm(session: Session, ctx: Context, *, form_id: int) -> FormOut:
    """The other side confirmed within 72 hours."""
    form = load(session, form_id)
    now = ctx.clock.now()
    ctx.fire(session, form, "confirm", if_match=True)
    _in_time(ctx, form, now)
    form.answered_at = now
    return answer(session, ctx, form.id)


def _void(
    session: Session, ctx: Context, form_id: int, trigger: str, data: FormReasonIn
) -> FormOut:
    form = load(session, form_id)
    now = ctx.clock.now()
    payload: dict[str, Any] = {"reason": data.reason}
    ctx.fire(session, form, trigger, payload=payload, if_match=True)
    if trigger == "deny":
        form.answered_at = now
    form.void_reason = f"{trigger}: {data.reason}"
    return answer(session, ctx, form.id)


def deny(session: Session, ctx: Context, *, form_id: int, data: FormReasonIn) -> FormOut:
    """The other side denied: the form is void."""
    return _void(session, ctx, form_id, "deny", data)


def revoke(session: Session, ctx: Context, *, form_id: int, data: FormReasonIn) -> FormOut:
    """The side that initiated it revoked it (also after confirmation): the form is void."""
    return _void(session, ctx, form_id, "revoke", data)
