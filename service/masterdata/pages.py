"""Pages for HQ's master data: the customers (find, add, change, suspend, reactivate), each with
its contracts and powers of attorney, and the history of every change from the journal.

The same use cases and roles as the API routes (`service/masterdata/routes.py`): anyone signed
in reads; HQ and admin add and change. A change sends back the version the form was shown at,
as the API's If-Match; a form's key makes a resent form book once.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import HTMLResponse, Response

from service.errors import DomainError
from service.masterdata import customers, queries, terms, usecases
from service.masterdata.pageforms import (
    BLANK_LINES,
    WORDS,
    at_inputs,
    changes,
    compact,
    lines,
    parse_with,
)
from service.masterdata.schemas import CustomerIn, CustomerOut, CustomerReason, CustomerUpdate
from service.web.forms import at_version, parse, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/customers", include_in_schema=False)
# The roles of the API's writes: POST /customers (hq, admin) and the customer lifecycle's
# triggers (workflows/definitions/customer.yaml gives them to hq and admin).
KEEPERS = ("hq", "admin")
Keeper = Annotated[Page, page(*KEEPERS)]
# The roles of the customer lifecycle's `change_terms` (POST /customers/{code}/terms).
TERMS_KEEPERS = ("finance", "hq", "admin")
# The line shown once a change is done.
DONE = {
    "create": "masterdata.done.customer_created",
    "update": "masterdata.done.customer_changed",
    "suspend": "masterdata.done.customer_suspended",
    "reactivate": "masterdata.done.customer_reactivated",
}
# A customer's code as its column holds it (ShortCode).
CustomerCode = Annotated[str, Path(min_length=1, max_length=32)]
# Optional inputs a change must still send (null when left blank).
ABSENT: dict[str, Any] = {
    "settlement_day": None,
    "settlement_centre_address": None,
    "tax_no": "",
    "branch": "",
    "warehouses": [],
    "return_credit_methods": [],
}


def keeps(view: Page) -> bool:
    """Whether this person adds and changes master data (the forms are shown to them only)."""
    return bool(view.signed_in.actor.roles.intersection(KEEPERS))


def keeps_terms(view: Page) -> bool:
    """Whether this person adds versions of payment terms."""
    return bool(view.signed_in.actor.roles.intersection(TERMS_KEEPERS))


@router.get("")
async def customer_list(
    view: Anyone,
    q: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[str | None, Query(max_length=32)] = None,
) -> HTMLResponse:
    """Customers by code, a page at a time by key (`after=<code>`), found by code or name."""
    q = (q or "").strip()
    found, following = await view.read(queries.browse, q=q or None, after=after or None)
    return view.render(
        "masterdata/customers.html",
        customers=found,
        following=following,
        q=q,
        keeper=keeps(view),
        words=WORDS,
    )


def customer_values(customer: CustomerOut | None) -> dict[str, str]:
    """The customer form's starting values: the customer as it is (a new one: the API's
    defaults)."""
    if customer is None:
        return {
            "settlement_kind": "receipt",
            "non_working": "keep",
            "reconciliation_lead_days": "3",
            "invoice_delivery": "branch",
            "discount_mode": "on_invoice",
            "return_credit_methods[0]": "red_letter",
        }
    values = {
        name: "" if value is None else str(value)
        for name, value in customer.model_dump(
            exclude={
                "id",
                "code",
                "state",
                "version",
                "warehouses",
                "allowed_triggers",
                "terms_effective_from",
            }
        ).items()
        if name != "return_credit_methods"
    }
    methods = list(WORDS["return_credit_method"])
    for method in customer.return_credit_methods:
        values[f"return_credit_methods[{methods.index(method)}]"] = method
    for index, warehouse in enumerate(customer.warehouses):
        for name in ("code", "name", "address"):
            values[f"warehouses[{index}].{name}"] = getattr(warehouse, name)
    return values


def _form_page(
    view: Page,
    customer: CustomerOut | None,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The form that adds a customer (`customer` None) or changes one."""
    shown_values = values if values is not None else customer_values(customer)
    count = len(customer.warehouses) if customer else 0
    shown: dict[str, Any] = {
        "customer": customer,
        "version": shown_values.get("version") or (customer.version if customer else ""),
        "dc_lines": lines(shown_values, "warehouses", count + BLANK_LINES),
        "methods": list(WORDS["return_credit_method"]),
        "words": WORDS,
        "values": shown_values,
    }
    return view.show("masterdata/customer_form.html", error, **shown)


@router.get("/new")
async def new_customer(view: Keeper) -> HTMLResponse:
    return _form_page(view, None)


@router.post("")
async def create(view: Keeper) -> Response:
    form = await view.form()
    sent, inputs = compact(form, "warehouses")
    try:
        data = parse_with(CustomerIn, sent)
        made = await view.act(usecases.create_customer, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        return _form_page(view, None, at_inputs(refusal(error), inputs), typed(form))
    return view.go(f"/web/customers/{quote(made['code'], safe='')}", DONE["create"])


@router.get("/{code}/edit")
async def edit_customer(code: CustomerCode, view: Keeper) -> HTMLResponse:
    return _form_page(view, await view.read(queries.customer, code=code))


@router.post("/{code}/edit")
async def update(code: CustomerCode, view: Keeper) -> Response:
    form = await view.form()
    customer = await view.read(queries.customer, code=code)
    sent, inputs = compact(without(form, "version"), "warehouses")
    try:
        version = shown_version(form)
        data = parse_with(CustomerUpdate, sent, absent=ABSENT)
        await view.act(
            at_version(customers.update_customer), form=form, data=data, code=code, version=version
        )
    except (DomainError, WorkflowError) as error:
        return _form_page(view, customer, at_inputs(refusal(error), inputs), typed(form))
    return view.go(f"/web/customers/{quote(code, safe='')}", DONE["update"])


async def customer_page(
    view: Page,
    code: str,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    refused_in: str = "",
) -> HTMLResponse:
    """The customer: its data and DCs, where it is, its contracts and powers of attorney, and
    every change; `refused_in` names the form a refusal belongs to."""
    customer = await view.read(queries.customer, code=code)
    document = await view.document("customer", customer.id, customer.state)
    contracts = await view.read(queries.contracts, code=code)
    shown = {
        "customer": customer,
        "contracts": contracts,
        "attorneys": await view.read(queries.attorneys, code=code),
        "terms": await view.read(terms.versions, code=code),
        "since_always": terms.SINCE_ALWAYS,
        "today": view.ctx.today,
        "keeper": keeps(view),
        "terms_keeper": keeps_terms(view),
        "refused_in": refused_in,
        "words": WORDS,
        "changes": changes(document["history"]),
        **document,
        "values": values or {},
    }
    return view.show("masterdata/customer.html", error, **shown)


@router.get("/{code}")
async def customer(code: CustomerCode, view: Anyone) -> HTMLResponse:
    return await customer_page(view, code)


async def _move(view: Page, code: str, trigger: str) -> Response:
    """Suspend or reactivate, with a reason, from the customer's page."""
    form = await view.form()
    usecase = customers.suspend_customer if trigger == "suspend" else customers.reactivate_customer
    try:
        version = shown_version(form)
        data = parse(CustomerReason, without(form, "version"))
        await view.act(at_version(usecase), form=form, data=data, code=code, version=version)
    except (DomainError, WorkflowError) as error:
        return await customer_page(view, code, refusal(error), typed(form), trigger)
    return view.go(f"/web/customers/{quote(code, safe='')}", DONE[trigger])


@router.post("/{code}/suspend")
async def suspend(code: CustomerCode, view: Keeper) -> Response:
    return await _move(view, code, "suspend")


@router.post("/{code}/reactivate")
async def reactivate(code: CustomerCode, view: Keeper) -> Response:
    return await _move(view, code, "reactivate")
