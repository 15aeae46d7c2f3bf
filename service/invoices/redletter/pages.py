"""Pages for red-letter information confirmation forms (红字发票信息确认单, R24 a): the list with
each form's 72-hour clock, a new form from a blue invoice's page (what each line still holds) or
from a return, the blue invoice's use confirmation, and the form's printout.

The form's own page and its steps are in `service/invoices/redletter/step_pages.py`. The same
use cases and roles as the API routes (`service/invoices/redletter/routes.py`); a form's key makes
a resent form book once.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from starlette.datastructures import FormData

from service import i18n
from service.errors import DomainError
from service.http import PathId
from service.invoices.pages import INVOICE_WORDS, invoice_page
from service.invoices.redletter import queries, usecases
from service.invoices.redletter.schemas import (
    FormCreate,
    FormLineIn,
    FormReason,
    TakenBack,
    UseConfirmation,
)
from service.schemas import MAX_ID, Id, Quantity, Request
from service.web.forms import parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/red-letter-forms", include_in_schema=False)
invoice_router = APIRouter(prefix="/web/invoices", include_in_schema=False)
# The role of POST /red-letter-forms and POST /invoices/{id}/use-confirmation.
Finance = Annotated[Page, page("finance")]
REASONS = tuple(INVOICE_WORDS["reason"])


@router.get("")
async def forms(
    view: Anyone,
    state: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    before: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """The forms, newest first, by state and customer, with the counts by state and each
    waiting form's clock."""
    customer = (customer or "").strip()
    found, following = await view.read(
        queries.browse, state=state or None, customer_code=customer or None, before=before
    )
    counts = await view.read(queries.counts, customer_code=customer or None)
    return view.render(
        "redletter/list.html",
        forms=found,
        following=following,
        counts=counts,
        state=state or "",
        customer=customer,
        states=view.runtime.workflows["red_letter_form"].states,
        words=INVOICE_WORDS,
        zone=view.runtime.settings.tz.key,
    )


async def _new_page(
    view: Page,
    *,
    invoice_id: int | None = None,
    return_id: int | None = None,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    shown = await view.read(queries.draft, invoice_id=invoice_id, return_id=return_id)
    return view.show(
        "redletter/new.html",
        error,
        draft=shown,
        reasons=REASONS,
        words=INVOICE_WORDS,
        values=values or {},
    )


@router.get("/new")
async def new_form(
    view: Finance,
    invoice: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    return_: Annotated[int | None, Query(alias="return", ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """A new form for a blue invoice's lines, or (`?return=`) from a return's received lines."""
    return await _new_page(view, invoice_id=invoice, return_id=return_)


class _Row(Request):
    """One row of the form: a blue line, and what to take back of it (blank: nothing)."""

    blue_line_id: Id
    quantity: Quantity | None = None
    amount: TakenBack | None = None


class _Rows(Request):
    invoice_id: Id | None = None
    reason: FormReason | None = None
    lines: list[_Row] = Field(default_factory=list, max_length=200)
    from_return: Id | None = None


def _wanted(rows: _Rows) -> tuple[FormCreate, list[int]]:
    """The form to make from the rows filled in, and the row each of its lines came from."""
    kept = [(i, r) for i, r in enumerate(rows.lines) if r.quantity or r.amount is not None]
    data = FormCreate(
        invoice_id=rows.invoice_id,
        reason=rows.reason,
        from_return=rows.from_return,
        lines=[
            FormLineIn(blue_line_id=r.blue_line_id, quantity=r.quantity or 0, amount=r.amount)
            for _, r in kept
        ],
    )
    return data, [i for i, _ in kept]


def _at_rows(error: DomainError, rows: list[int]) -> DomainError:
    """The refusal with each line's field named as the page's row (blank rows were left out)."""
    moved = []
    for e in error.errors:
        field = e.field
        for line, row in enumerate(rows):
            prefix = f"lines[{line}]"
            if field.startswith(f"{prefix}.") or field == prefix:
                field = f"lines[{row}]{field[len(prefix) :]}"
                break
        moved.append(dataclasses.replace(e, field=field))
    error.errors = moved
    return error


def _number(form: FormData, name: str) -> int | None:
    value = str(form.get(name) or "")
    return int(value) if value.isdigit() and len(value) <= 10 else None


@router.post("")
async def create(view: Finance) -> Response:
    form = await view.form()
    invoice_id, return_id = _number(form, "invoice_id"), _number(form, "from_return")
    rows: list[int] = []
    try:
        data, rows = _wanted(parse(_Rows, form))
        made = await view.act(usecases.create, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        refused = _at_rows(refusal(error), rows)
        if return_id is None and invoice_id is None:
            raise refused from None
        return await _new_page(
            view,
            invoice_id=invoice_id,
            return_id=return_id,
            error=refused,
            values=typed(form),
        )
    return view.go(f"/web/red-letter-forms/{made['id']}", "invoices.red_letter.done.create")


@invoice_router.post("/{invoice_id}/use-confirmation")
async def use_confirmation(invoice_id: PathId, view: Finance) -> Response:
    """The buyer confirmed use (用途确认) of the blue invoice: forms now need confirmation."""
    form = await view.form()
    try:
        data = parse(UseConfirmation, form)
        await view.act(usecases.record_use, form=form, data=data, invoice_id=invoice_id)
    except (DomainError, WorkflowError) as error:
        return await invoice_page(view, invoice_id, refusal(error), typed(form))
    return view.go(f"/web/invoices/{invoice_id}", "invoices.red_letter.done.use")


@router.get("/{form_id}/print")
async def printout(form_id: PathId, view: Anyone) -> HTMLResponse:
    """A4: the red-letter information confirmation form: seller and buyer, the blue invoice, the
    reason with its number, the negative lines and totals, the form's and the platform's number."""
    shown = await view.read(queries.sheet, form_id=form_id)
    reason = INVOICE_WORDS["reason"].get(shown.form.reason)
    return view.render(
        "redletter/print.html",
        sheet=shown,
        form=shown.form,
        seller=shown.parties.seller,
        words=INVOICE_WORDS,
        reason_zh=i18n.text(reason, "zh", {}) if reason else shown.form.reason,
    )
