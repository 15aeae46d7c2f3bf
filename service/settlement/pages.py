"""Pages of the settlement gate (R23, R27-R29), in Chinese and English: a statement's settlement
check on a day (each invoice with what blocks it, in words, with links to the blocking
documents), the form that settles its invoices, all or nothing, and settling one invoice alone
from the invoice's page.

The same use cases and roles as the API (`POST /statements/{no}/settle`,
`POST /invoices/{id}/settle`); each form sends back the version it was shown at and books once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from service.errors import DomainError, Invalid
from service.http import PathId
from service.schemas import MAX_ID
from service.settlement import sheets, usecases
from service.settlement.schemas import SettleIn
from service.web.forms import at_version, parse, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
# The roles the lifecycles give `settle` (statement.yaml, invoice.yaml).
Finance = Annotated[Page, page("finance")]
StatementNo = Annotated[str, Path(min_length=1, max_length=32)]
DAY_PATTERN = r"^(\d{4}-\d{2}-\d{2})?$"


def _day(text: str | None) -> date | None:
    """The day typed in the check's form, refused in words when it is not one."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid("settlement.page.not_a_date", field="on", value=text) from None


async def settlement_page(
    view: Page,
    statement_no: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    *,
    on: str | None = None,
    attorney: int | None = None,
) -> HTMLResponse:
    """The statement's settlement check; with `error` the settle form again with its refusal
    and what was typed in it. A day or power of attorney that cannot be checked is refused in
    words and the check shown for today and any valid power of attorney."""
    try:
        day = _day(on)
        shown = await view.read(sheets.sheet, statement_no=statement_no, on=day, attorney=attorney)
    except Invalid as refused:
        error = error or refused
        shown = await view.read(sheets.sheet, statement_no=statement_no)
    return view.show(
        "settlement/statement.html",
        error,
        sheet=shown,
        st=shown.statement,
        on=on or "",
        today=view.ctx.today,
        values=values or {},
    )


@router.get("/statements/{statement_no}/settlement")
async def settlement(
    statement_no: StatementNo,
    view: Anyone,
    on: Annotated[str | None, Query(max_length=10, pattern=DAY_PATTERN)] = None,
    attorney: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> HTMLResponse:
    """May the statement's invoices be settled on a day: each with what blocks it."""
    return await settlement_page(view, statement_no, on=on, attorney=attorney)


async def _settled(
    view: Page, usecase: Callable[..., Any], **kwargs: Any
) -> tuple[DomainError | None, dict[str, str]]:
    """Send the settle form to `usecase` at the version it was shown at, once per shown form;
    the refusal, if any, and what was typed."""
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(SettleIn, without(form, "version"))
        await view.act(at_version(usecase), form=form, data=data, version=version, **kwargs)
    except (DomainError, WorkflowError) as error:
        return refusal(error), typed(form)
    return None, {}


@router.post("/statements/{statement_no}/settle")
async def settle(statement_no: StatementNo, view: Finance) -> Response:
    """Every invoice of the confirmed statement passes the gate, or none does."""
    error, typed_in = await _settled(view, usecases.settle_statement, statement_no=statement_no)
    if error is not None:
        return await settlement_page(view, statement_no, error, typed_in)
    return view.go(f"/web/statements/{statement_no}/settlement", "settlement.done.statement")


@router.post("/invoices/{invoice_id}/settle")
async def settle_invoice(invoice_id: PathId, view: Finance) -> Response:
    """One invoice of a confirmed statement passes the gate alone; a refusal is shown on its
    statement's settlement check."""
    error, typed_in = await _settled(view, usecases.settle_invoice, invoice_id=invoice_id)
    if error is None:
        return view.go(f"/web/invoices/{invoice_id}", "settlement.done.invoice")
    statement_no = await view.read(sheets.statement_of, invoice_id=invoice_id)
    if statement_no is None:
        raise error
    return await settlement_page(view, statement_no, error, typed_in)
