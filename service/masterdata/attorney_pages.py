"""Pages for powers of attorney (授权委托书, R28): HQ records one from the customer's page, and on
its own page sees where it is, revokes it or replaces it when the person changes; sales or HQ
records there that the person has left the customer (R28: HQ is then told to replace it).

The same use cases and roles as the API (`POST /customers/{code}/powers-of-attorney`, `.../revoke`,
`.../replace`); revoking and replacing send back the version the page was shown at.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from service.errors import DomainError
from service.http import PathId
from service.masterdata import attorneys, queries
from service.masterdata.pageforms import (
    WORDS,
    at_inputs,
    changes,
    parse_with,
)
from service.masterdata.pages import CustomerCode, Keeper, customer_page, keeps
from service.masterdata.schemas import (
    AttorneyIn,
    AttorneyOut,
    AttorneyPersonLeft,
    AttorneyReplace,
    AttorneyRevoke,
)
from service.web.forms import at_version, parse, refusal, shown_version, typed, without
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(include_in_schema=False)
# Who records that the person left: as the lifecycle's `record_person_left` says.
Reporter = Annotated[Page, page("sales", "hq", "admin")]


@router.post("/web/customers/{code}/attorneys")
async def create(code: CustomerCode, view: Keeper) -> Response:
    form = await view.form()
    try:
        data = parse_with(AttorneyIn, form)
        made = await view.act(attorneys.create_attorney, form=form, data=data, code=code)
    except (DomainError, WorkflowError) as error:
        refused = at_inputs(refusal(error))
        return await customer_page(view, code, refused, typed(form), "attorney")
    return view.go(f"/web/attorneys/{made['id']}", "masterdata.done.attorney_created")


def successor_values(attorney: AttorneyOut) -> dict[str, str]:
    """The replacement form's starting values: the same contract, scope and end."""
    values = {"contract_no": attorney.contract_no or "", "valid_to": attorney.valid_to.isoformat()}
    scopes = list(WORDS["scope"])
    for scope in attorney.scope:
        values[f"scope[{scopes.index(scope)}]"] = scope
    return values


async def _attorney_page(
    view: Page,
    attorney_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
    refused_in: str = "",
) -> HTMLResponse:
    attorney = await view.read(queries.attorney, attorney_id=attorney_id)
    document = await view.document("power_of_attorney", attorney.id, attorney.state)
    shown: dict[str, Any] = {
        "attorney": attorney,
        "contracts": await view.read(queries.contracts, code=attorney.customer_code),
        "keeper": keeps(view),
        "refused_in": refused_in,
        "words": WORDS,
        "changes": changes(document["history"]),
        **document,
        "values": values if values is not None else successor_values(attorney),
    }
    return view.show("masterdata/attorney.html", error, **shown)


@router.get("/web/attorneys/{attorney_id}")
async def attorney(attorney_id: PathId, view: Anyone) -> HTMLResponse:
    return await _attorney_page(view, attorney_id)


@router.post("/web/attorneys/{attorney_id}/revoke")
async def revoke(attorney_id: PathId, view: Keeper) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(AttorneyRevoke, without(form, "version"))
        await view.act(
            at_version(attorneys.revoke_attorney),
            form=form,
            data=data,
            attorney_id=attorney_id,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await _attorney_page(view, attorney_id, refusal(error), typed(form), "revoke")
    return view.go(f"/web/attorneys/{attorney_id}", "masterdata.done.attorney_revoked")


@router.post("/web/attorneys/{attorney_id}/replace")
async def replace(attorney_id: PathId, view: Keeper) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse_with(AttorneyReplace, without(form, "version"))
        made = await view.act(
            at_version(attorneys.replace_attorney),
            form=form,
            data=data,
            attorney_id=attorney_id,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        refused = at_inputs(refusal(error))
        return await _attorney_page(view, attorney_id, refused, typed(form), "replace")
    return view.go(f"/web/attorneys/{made['id']}", "masterdata.done.attorney_replaced")


@router.post("/web/attorneys/{attorney_id}/person-left")
async def person_left(attorney_id: PathId, view: Reporter) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(AttorneyPersonLeft, without(form, "version"))
        await view.act(
            at_version(attorneys.record_person_left),
            form=form,
            data=data,
            attorney_id=attorney_id,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await _attorney_page(view, attorney_id, refusal(error), typed(form), "person_left")
    return view.go(f"/web/attorneys/{attorney_id}", "masterdata.done.attorney_person_left")
