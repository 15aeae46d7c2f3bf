"""The page of one red-letter form (R24 a) and its steps: submit to the buyer, record the
buyer's form (platform number and initiation time), no confirmation needed, confirm, deny or
revoke with a reason, and the red invoice issued against a usable form.

The same use cases and roles as the API routes (`service/invoices/redletter/routes.py`) and the
lifecycle (`workflows/definitions/red_letter_form.yaml`); a form's key makes a resent form book
once.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel

from service.errors import DomainError
from service.http import PathId
from service.invoices.pages import INVOICE_WORDS
from service.invoices.redletter import queries, red_invoice, usecases
from service.invoices.redletter.models import RedLetterForm
from service.invoices.redletter.schemas import FormFromBuyer, FormReasonIn, FormSubmit
from service.invoices.schemas import InvoiceIssue
from service.web.forms import parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/red-letter-forms", include_in_schema=False)
# The roles the red_letter_form lifecycle gives its triggers.
Finance = Annotated[Page, page("finance")]
FinanceOrSales = Annotated[Page, page("finance", "sales")]
# Steps the page offers as buttons; the scheduler's expiry and the red invoice are not among them.
NOT_BUTTONS = ("expire", "issue_red")
ISSUERS = frozenset({"finance"})  # issue_red
# The note shown after each step (literal codes, so the catalogs' check sees them).
DONE = {
    "submit": "invoices.red_letter.done.submit",
    "receive_from_buyer": "invoices.red_letter.done.receive_from_buyer",
    "skip_confirmation": "invoices.red_letter.done.skip_confirmation",
    "confirm": "invoices.red_letter.done.confirm",
    "deny": "invoices.red_letter.done.deny",
    "revoke": "invoices.red_letter.done.revoke",
    "issue_red": "invoices.red_letter.done.issue_red",
}


async def _form_page(
    view: Page,
    form_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    sent: str | None = None,
) -> HTMLResponse:
    shown = await view.read(queries.sheet, form_id=form_id)
    form = shown.form
    lifecycle = await view.document("red_letter_form", form_id, form.state)
    steps = [s for s in lifecycle["next_steps"] if s not in NOT_BUTTONS]
    if shown.blue.use_confirmed_on is not None and "skip_confirmation" in steps:
        steps.remove("skip_confirmation")  # only while the buyer has not confirmed use
    usable = form.state in view.runtime.workflows.tagged(RedLetterForm, "usable")
    return view.show(
        "redletter/page.html",
        error,
        sheet=shown,
        form=form,
        words=INVOICE_WORDS,
        zone=view.runtime.settings.tz.key,
        today=view.ctx.today,
        may_issue=usable and bool(view.signed_in.actor.roles & ISSUERS),
        sent=sent,
        **{**lifecycle, "next_steps": steps},
        values=values or {},
    )


@router.get("/{form_id}")
async def form_page(form_id: PathId, view: Anyone) -> HTMLResponse:
    return await _form_page(view, form_id)


async def _step(
    view: Page,
    form_id: int,
    name: str,
    usecase: Callable[..., Any],
    model: type[BaseModel] | None,
) -> Response:
    """One step of the form's lifecycle from its page: the form, the use case, the answer."""
    form = await view.form()
    try:
        data = parse(model, form) if model is not None else None
        await view.act(usecase, form=form, data=data, form_id=form_id)
    except (DomainError, WorkflowError) as error:
        return await _form_page(view, form_id, refusal(error), typed(form), sent=name)
    return view.go(f"/web/red-letter-forms/{form_id}", DONE[name])


@router.post("/{form_id}/submit")
async def submit(form_id: PathId, view: Finance) -> Response:
    return await _step(view, form_id, "submit", usecases.submit, FormSubmit)


@router.post("/{form_id}/receive-from-buyer")
async def receive_from_buyer(form_id: PathId, view: Finance) -> Response:
    return await _step(
        view, form_id, "receive_from_buyer", usecases.receive_from_buyer, FormFromBuyer
    )


@router.post("/{form_id}/skip-confirmation")
async def skip_confirmation(form_id: PathId, view: Finance) -> Response:
    return await _step(view, form_id, "skip_confirmation", usecases.skip_confirmation, None)


@router.post("/{form_id}/confirm")
async def confirm(form_id: PathId, view: FinanceOrSales) -> Response:
    return await _step(view, form_id, "confirm", usecases.confirm, None)


@router.post("/{form_id}/deny")
async def deny(form_id: PathId, view: FinanceOrSales) -> Response:
    return await _step(view, form_id, "deny", usecases.deny, FormReasonIn)


@router.post("/{form_id}/revoke")
async def revoke(form_id: PathId, view: Finance) -> Response:
    return await _step(view, form_id, "revoke", usecases.revoke, FormReasonIn)


@router.post("/{form_id}/red-invoice")
async def issue_red(form_id: PathId, view: Finance) -> Response:
    """The red invoice the tax system issued against the usable form: to the red invoice."""
    form = await view.form()
    try:
        data = parse(InvoiceIssue, form)
        red = await view.act(red_invoice.issue_red, form=form, data=data, form_id=form_id)
    except (DomainError, WorkflowError) as error:
        return await _form_page(view, form_id, refusal(error), typed(form), sent="issue_red")
    return view.go(f"/web/invoices/{red['id']}", DONE["issue_red"])
