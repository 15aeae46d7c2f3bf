"""Reading red-letter forms: one, a filtered list, its history; and the one way to show a form."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.sql.base import ExecutableOption as ORMOption

from service import journal
from service.context import Context
from service.errors import NotFound
from service.invoices.models import Invoice
from service.invoices.redletter.models import RedLetterForm, RedLetterFormLine
from service.invoices.redletter.schemas import FormLineOut, FormOut
from service.masterdata import queries as masterdata
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
