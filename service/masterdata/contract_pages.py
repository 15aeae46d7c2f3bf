"""Pages for purchase contracts (R11, R27): one contract with its price list and every change of
it, and HQ's forms that add a contract to a customer and change one, prices included.

The same use cases and roles as `POST /contracts` and `PUT /contracts/{contract_no}`; a change
sends back the version the form was shown at (the API's If-Match). New prices apply to orders
made from then on: an order keeps the prices it was made with.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse, Response

from service.errors import DomainError
from service.masterdata import contracts, queries, usecases
from service.masterdata.pageforms import (
    BLANK_LINES,
    WORDS,
    at_inputs,
    changes,
    compact,
    lines,
    parse_with,
)
from service.masterdata.pages import CustomerCode, Keeper, keeps
from service.masterdata.schemas import ContractIn, ContractOut, ContractUpdate
from service.web.forms import at_version, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page
from workflows import WorkflowError

router = APIRouter(include_in_schema=False)
# A contract's number as its column holds it (Code).
ContractNo = Annotated[str, Path(min_length=1, max_length=64)]
# A new contract's lines to fill in.
NEW_LINES = 6


def contract_values(contract: ContractOut | None) -> dict[str, str]:
    """The contract form's starting values: the contract as it is (a new one: the API's
    defaults)."""
    if contract is None:
        return {"discount_rate": "0.0000", "prices_include_tax": "true"}
    values = {
        "valid_from": contract.valid_from.isoformat(),
        "valid_to": contract.valid_to.isoformat(),
        "discount_rate": str(contract.discount_rate),
        "rebate_terms": contract.rebate_terms,
    }
    for index, price in enumerate(contract.prices):
        values[f"prices[{index}].item_code"] = price.item_code
        values[f"prices[{index}].unit_price"] = str(price.unit_price)
    return values


async def _form_page(
    view: Page,
    customer_code: str,
    contract: ContractOut | None,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    """The form that adds a contract to the customer (`contract` None) or changes one."""
    shown_values = values if values is not None else contract_values(contract)
    count = len(contract.prices) + BLANK_LINES if contract else NEW_LINES
    shown: dict[str, Any] = {
        "customer": await view.read(queries.customer, code=customer_code),
        "contract": contract,
        "version": shown_values.get("version") or (contract.version if contract else ""),
        "price_lines": lines(shown_values, "prices", count),
        "items": await view.read(queries.items),
        "words": WORDS,
        "values": shown_values,
    }
    return view.show("masterdata/contract_form.html", error, **shown)


@router.get("/web/customers/{code}/contracts/new")
async def new_contract(code: CustomerCode, view: Keeper) -> HTMLResponse:
    return await _form_page(view, code, None)


@router.post("/web/customers/{code}/contracts")
async def create(code: CustomerCode, view: Keeper) -> Response:
    form = await view.form()
    await view.read(queries.customer, code=code)  # an unknown customer: 404
    sent, inputs = compact(form, "prices")
    try:
        data = parse_with(ContractIn, sent, fixed={"customer_code": code})
        made = await view.act(usecases.create_contract, form=form, data=data)
    except (DomainError, WorkflowError) as error:
        return await _form_page(view, code, None, at_inputs(refusal(error), inputs), typed(form))
    return view.go(
        f"/web/contracts/{quote(made['contract_no'], safe='')}", "masterdata.done.contract_created"
    )


async def _contract_page(view: Page, contract_no: str) -> HTMLResponse:
    contract = await view.read(queries.contract, contract_no=contract_no)
    document = await view.document("contract", contract.id, contract.state)
    return view.render(
        "masterdata/contract.html",
        contract=contract,
        customer=await view.read(queries.customer, code=contract.customer_code),
        items={i.code: i for i in await view.read(queries.items)},
        keeper=keeps(view),
        words=WORDS,
        changes=changes(document["history"]),
        **document,
    )


@router.get("/web/contracts/{contract_no}")
async def contract(contract_no: ContractNo, view: Anyone) -> HTMLResponse:
    return await _contract_page(view, contract_no)


@router.get("/web/contracts/{contract_no}/edit")
async def edit_contract(contract_no: ContractNo, view: Keeper) -> HTMLResponse:
    found = await view.read(queries.contract, contract_no=contract_no)
    return await _form_page(view, found.customer_code, found)


@router.post("/web/contracts/{contract_no}/edit")
async def update(contract_no: ContractNo, view: Keeper) -> Response:
    form = await view.form()
    found = await view.read(queries.contract, contract_no=contract_no)
    sent, inputs = compact(without(form, "version"), "prices")
    try:
        version = shown_version(form)
        data = parse_with(ContractUpdate, sent, absent={"rebate_terms": "", "prices": []})
        await view.act(
            at_version(contracts.update_contract),
            form=form,
            data=data,
            contract_no=contract_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        refused = at_inputs(refusal(error), inputs)
        return await _form_page(view, found.customer_code, found, refused, typed(form))
    return view.go(
        f"/web/contracts/{quote(contract_no, safe='')}", "masterdata.done.contract_changed"
    )
