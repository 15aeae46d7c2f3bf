"""Reading red-letter forms: one, a filtered list, its history; and the one way to show a form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption as ORMOption

from service import journal
from service.context import Context
from service.errors import Invalid, NotFound
from service.invoices import queries as invoices
from service.invoices.models import Invoice
from service.invoices.redletter import capacity
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.invoices.redletter.schemas import FormLineOut, FormOut
from service.masterdata import queries as masterdata
from service.parties import Parties
from service.returns.models import Return
from service.schemas import EventOut
from workflows import Flow


def _options() -> list[ORMOption]:
    return [
        joinedload(RedLetterForm.blue_invoice).joinedload(Invoice.customer),
        selectinload(RedLetterForm.lines).joinedload(RedLetterFormLine.item),
    ]


def load(session: Session, form_id: int, *, fresh: bool = False) -> RedLetterForm:
    stmt = select(RedLetterForm).where(RedLetterForm.id == form_id).options(*_options())
    if fresh:
        stmt = stmt.execution_options(populate_existing=True)
    form = session.scalar(stmt)
    if form is None:
        raise NotFound("red_letter_form.not_found", field="form_id", form_id=form_id)
    return form


def form_out(form: RedLetterForm, flow: Flow) -> FormOut:
    """The form as the API shows it, whether just written or read."""
    blue = form.blue_invoice
    return FormOut(
        id=form.id,
        form_no=form.form_no,
        platform_no=form.platform_no,
        customer_code=blue.customer.code,
        blue_invoice_id=blue.id,
        blue_invoice_no=blue.invoice_no,
        return_id=form.return_id,
        reason=form.reason,
        initiator=form.initiator,
        state=form.state,
        version=form.version,
        initiated_at=form.initiated_at,
        expires_at=form.expires_at,
        answered_at=form.answered_at,
        void_reason=form.void_reason,
        amount=form.amount,
        tax=form.tax,
        total=form.total,
        red_invoice_id=form.red_invoice_id,
        created_by=form.created_by,
        created_at=form.created_at,
        lines=[
            FormLineOut(
                line_no=line.line_no,
                blue_line_id=line.blue_line_id,
                item_code=line.item.code,
                quantity=line.quantity,
                amount=line.amount,
                tax=line.tax,
            )
            for line in form.lines
        ],
        allowed_triggers=flow.allowed_triggers(form.state),
    )


def reissue_form_of(session: Session, blue_id: int) -> RedLetterForm:
    """The latest form of a reissue of `blue_id` (reason issuing error, every line)."""
    form = session.scalar(
        select(RedLetterForm)
        .where(RedLetterForm.blue_invoice_id == blue_id, RedLetterForm.reason == "issuing_error")
        .order_by(RedLetterForm.id.desc())
        .limit(1)
    )
    if form is None:
        raise NotFound(
            "red_letter_form.not_found", field="invoice_id", form_id=f"of invoice {blue_id}"
        )
    return form


def answer(session: Session, ctx: Context, form_id: int) -> FormOut:
    """The form as stored now."""
    session.flush()
    session.expire_all()
    return form_out(load(session, form_id), ctx.workflows.flow(RedLetterForm))


def get(session: Session, ctx: Context, *, form_id: int) -> FormOut:
    return form_out(load(session, form_id), ctx.workflows.flow(RedLetterForm))


def search(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
    invoice_id: int | None = None,
    return_id: int | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FormOut]:
    """Forms, newest first, by state, customer, blue invoice or return."""
    stmt = (
        select(RedLetterForm)
        .options(*_options())
        .order_by(RedLetterForm.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if state:
        stmt = stmt.where(RedLetterForm.state == state)
    if customer_code:
        stmt = stmt.where(RedLetterForm.customer_id == masterdata.customer_id(customer_code))
    if invoice_id is not None:
        stmt = stmt.where(RedLetterForm.blue_invoice_id == invoice_id)
    if return_id is not None:
        stmt = stmt.where(RedLetterForm.return_id == return_id)
    flow = ctx.workflows.flow(RedLetterForm)
    return [form_out(f, flow) for f in session.scalars(stmt)]


def history(session: Session, _ctx: Context, *, form_id: int) -> list[EventOut]:
    if session.get(RedLetterForm, form_id) is None:
        raise NotFound("red_letter_form.not_found", field="form_id", form_id=form_id)
    return [
        EventOut.model_validate(e) for e in journal.history(session, "red_letter_form", form_id)
    ]


# --- what the pages read ---------------------------------------------------------------------

# The reasons of a red-letter form with their number on the tax platform's form (1-4).
REASON_NUMBERS = {"issuing_error": 1, "sales_return": 2, "service_stopped": 3, "sales_discount": 4}
HOUR = Decimal(3600)


@dataclass(frozen=True)
class Clock:
    """The 72-hour clock of a form waiting on the other side: when it voids itself and how many
    hours are left (None when the form waits on no one)."""

    expires_at: datetime | None
    hours_left: Decimal | None
    running: bool


def clock_of(form: FormOut, awaiting: frozenset[str], now: datetime) -> Clock:
    if form.expires_at is None or form.state not in awaiting:
        return Clock(form.expires_at, None, False)
    seconds = Decimal(str(max((form.expires_at - now).total_seconds(), 0.0)))
    return Clock(form.expires_at, (seconds / HOUR).quantize(Decimal("0.1"), ROUND_DOWN), True)


@dataclass(frozen=True)
class Listed:
    """A form in a list, with its clock."""

    form: FormOut
    clock: Clock


def _listed(ctx: Context, forms: Iterable[RedLetterForm]) -> list[Listed]:
    flow = ctx.workflows.flow(RedLetterForm)
    awaiting = frozenset(ctx.workflows.tagged(RedLetterForm, "awaiting"))
    now = ctx.clock.now()
    return [
        Listed(shown, clock_of(shown, awaiting, now))
        for shown in (form_out(f, flow) for f in forms)
    ]


def browse(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> tuple[list[Listed], int | None]:
    """A page of forms, newest first, and where the next page starts (by key)."""
    stmt = (
        select(RedLetterForm).options(*_options()).order_by(RedLetterForm.id.desc()).limit(size + 1)
    )
    if state:
        stmt = stmt.where(RedLetterForm.state == state)
    if customer_code:
        stmt = stmt.where(RedLetterForm.customer_id == masterdata.customer_id(customer_code))
    if before is not None:
        stmt = stmt.where(RedLetterForm.id < before)
    found = _listed(ctx, session.scalars(stmt))
    following = found[size - 1].form.id if len(found) > size else None
    return found[:size], following


def counts(session: Session, ctx: Context, *, customer_code: str | None = None) -> dict[str, int]:
    """How many forms are in each state (of one customer), in the lifecycle's order."""
    stmt = select(RedLetterForm.state, func.count()).group_by(RedLetterForm.state)
    if customer_code:
        stmt = stmt.where(RedLetterForm.customer_id == masterdata.customer_id(customer_code))
    found = {str(state): int(count) for state, count in session.execute(stmt)}
    return {s: found[s] for s in ctx.workflows["red_letter_form"].states if s in found}


@dataclass(frozen=True)
class Blue:
    """The blue invoice a form takes back from, as the pages name it (the buyer's taxpayer
    number as master data holds it now; "" when not recorded)."""

    id: int
    invoice_no: str
    state: str
    customer_code: str
    customer_name: str
    customer_tax_no: str
    fapiao_no: str | None
    fapiao_date: date | None
    use_confirmed_on: date | None
    total: Decimal
    creditable: bool


def _blue(ctx: Context, invoice: Invoice) -> Blue:
    return Blue(
        id=invoice.id,
        invoice_no=invoice.invoice_no,
        state=invoice.state,
        customer_code=invoice.customer.code,
        customer_name=invoice.customer.name,
        customer_tax_no=invoice.customer.tax_no,
        fapiao_no=invoice.fapiao_no,
        fapiao_date=invoice.fapiao_date,
        use_confirmed_on=invoice.use_confirmed_on,
        total=invoice.total,
        creditable=invoice.kind == "blue" and invoice.state in invoices.creditable(ctx.workflows),
    )


@dataclass(frozen=True)
class Takeable:
    """A blue line a form may take back from, with what it still holds (`capacity`)."""

    line_id: int
    line_no: int
    item_code: str
    item_name: str
    unit: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    left: capacity.Left


@dataclass(frozen=True)
class Draft:
    """What the new form's page shows: the blue invoice, its lines with what each still holds,
    and the return the form would come from (its received quantities by blue line)."""

    blue: Blue
    lines: list[Takeable]
    return_id: int | None = None
    return_no: str | None = None
    returned: dict[int, int] | None = None


def draft(
    session: Session, ctx: Context, *, invoice_id: int | None = None, return_id: int | None = None
) -> Draft:
    ret: Return | None = None
    if return_id is not None:
        ret = session.get(Return, return_id)
        if ret is None:
            raise NotFound("red_letter_form.return_unknown", field="return", return_id=return_id)
        invoice_id = ret.invoice_id
    if invoice_id is None:
        raise Invalid("red_letter_form.invoice_required", field="invoice")
    blue = invoices.load(session, invoice_id)
    left = capacity.remaining(session, ctx.workflows, blue)
    lines = [
        Takeable(
            line_id=line.id,
            line_no=line.line_no,
            item_code=line.item.code,
            item_name=line.item.name,
            unit=line.item.unit,
            quantity=line.quantity,
            unit_price=line.unit_price,
            amount=line.amount,
            tax_rate=line.tax_rate,
            tax=line.tax,
            left=left[line.id],
        )
        for line in blue.lines
        if line.source in capacity.REVERSIBLE
    ]
    if ret is None:
        return Draft(_blue(ctx, blue), lines)
    returned = {r.invoice_line_id: r.received_qty or 0 for r in ret.lines if r.received_qty}
    return Draft(_blue(ctx, blue), lines, ret.id, ret.return_no, returned)


@dataclass(frozen=True)
class SheetLine:
    """One line of a form as its page and printout show it (positive magnitudes; the printout
    prints them negative)."""

    line_no: int
    blue_line_no: int
    item_code: str
    item_name: str
    unit: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal


@dataclass(frozen=True)
class Sheet:
    """One form as its page shows it: the form, its clock, the blue invoice, its lines, the
    return it came from and the red invoice issued against it; seller and buyer as they stood
    when the form was entered."""

    form: FormOut
    clock: Clock
    blue: Blue
    parties: Parties
    lines: list[SheetLine]
    reason_number: int
    return_no: str | None
    red_invoice_no: str | None


def sheet(session: Session, ctx: Context, *, form_id: int) -> Sheet:
    form = load(session, form_id)
    [listed] = _listed(ctx, [form])
    blue_lines = {line.id: line for line in form.blue_invoice.lines}
    lines = []
    for line in form.lines:
        blue_line = blue_lines[line.blue_line_id]
        lines.append(
            SheetLine(
                line_no=line.line_no,
                blue_line_no=blue_line.line_no,
                item_code=line.item.code,
                item_name=line.item.name,
                unit=line.item.unit,
                quantity=line.quantity,
                unit_price=blue_line.unit_price,
                amount=line.amount,
                tax_rate=blue_line.tax_rate,
                tax=line.tax,
            )
        )
    return_no = (
        session.scalar(select(Return.return_no).where(Return.id == form.return_id))
        if form.return_id is not None
        else None
    )
    red_no = (
        session.scalar(select(Invoice.invoice_no).where(Invoice.id == form.red_invoice_id))
        if form.red_invoice_id is not None
        else None
    )
    return Sheet(
        form=listed.form,
        clock=listed.clock,
        blue=_blue(ctx, form.blue_invoice),
        parties=masterdata.parties_now(ctx, form.blue_invoice.customer).unless_kept(form.parties),
        lines=lines,
        reason_number=REASON_NUMBERS.get(form.reason, 0),
        return_no=return_no,
        red_invoice_no=red_no,
    )


@dataclass(frozen=True)
class RedInvoice:
    id: int
    invoice_no: str
    fapiao_no: str | None
    fapiao_date: date | None
    state: str
    total: Decimal


@dataclass(frozen=True)
class OfInvoice:
    """The red-letter part of an invoice's page: its forms and the red invoices against it."""

    forms: list[Listed]
    red_invoices: list[RedInvoice]


def of_invoice(session: Session, ctx: Context, *, invoice_id: int) -> OfInvoice:
    forms = session.scalars(
        select(RedLetterForm)
        .options(*_options())
        .where(RedLetterForm.blue_invoice_id == invoice_id)
        .order_by(RedLetterForm.id)
    )
    reds = session.execute(
        select(
            Invoice.id,
            Invoice.invoice_no,
            Invoice.fapiao_no,
            Invoice.fapiao_date,
            Invoice.state,
            Invoice.total,
        )
        .where(Invoice.original_id == invoice_id, Invoice.kind == "red")
        .order_by(Invoice.id)
    )
    return OfInvoice(_listed(ctx, forms), [RedInvoice(*row) for row in reds])
