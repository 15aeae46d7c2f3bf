"""Pages for a customer's payment terms (R19): the form on the customer's page adds a version
after a preview of what it does to the customer's open invoices (how many move, the first 50
with their due dates before and after); confirming adds it.

The same use case and roles as `POST /customers/{code}/terms` (finance, HQ, admin): the preview
is its dry run, the confirmation sends the same values again.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from starlette.datastructures import FormData

from service.errors import DomainError
from service.masterdata import queries, terms
from service.masterdata.pageforms import WORDS, at_inputs, parse_with
from service.masterdata.pages import TERMS_KEEPERS, CustomerCode, customer_page
from service.masterdata.schemas import TermsIn
from service.web.forms import refusal, typed
from service.web.pages import Page, page
from workflows import WorkflowError

router = APIRouter(include_in_schema=False)
TermsKeeper = Annotated[Page, page(*TERMS_KEEPERS)]
# The inputs of the terms form (blank ones take the API's defaults).
FIELDS = ("effective_from", "basis", "days", "day_of_month", "non_working", "note")


def _sent(form: FormData) -> TermsIn:
    filled = [(k, v) for k, v in form.multi_items() if k in FIELDS and str(v).strip()]
    return parse_with(TermsIn, FormData(filled))


@router.post("/web/customers/{code}/terms/preview")
async def preview(code: CustomerCode, view: TermsKeeper) -> Response:
    """What the version would do, changing nothing; with the button that adds it."""
    form = await view.form()
    try:
        data = _sent(form)
        change = await view.read(terms.add_terms, code=code, data=data, dry_run=True)
    except (DomainError, WorkflowError) as error:
        return await customer_page(view, code, at_inputs(refusal(error)), typed(form), "terms")
    return view.render(
        "masterdata/terms_preview.html",
        customer=await view.read(queries.customer, code=code),
        change=change,
        sent=data.model_dump(mode="json"),
        since_always=terms.SINCE_ALWAYS,
        words=WORDS,
    )


@router.post("/web/customers/{code}/terms")
async def add(code: CustomerCode, view: TermsKeeper) -> Response:
    form = await view.form()
    try:
        data = _sent(form)
        await view.act(terms.add_terms, form=form, data=data, code=code)
    except (DomainError, WorkflowError) as error:
        return await customer_page(view, code, at_inputs(refusal(error)), typed(form), "terms")
    return view.go(f"/web/customers/{quote(code, safe='')}", "masterdata.done.terms_added")
