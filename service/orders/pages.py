"""Pages for orders: find one, see where it is, approve, cancel, end a credit hold (R1-R4), release
many held orders at once."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from service.errors import DomainError, FieldError
from service.http import PathId
from service.orders import approval, holds, queries, usecases
from service.orders.schemas import CreditHoldsRelease, CreditReason, OrderApproval, OrderCancel
from service.problems import input_error
from service.schemas import Code
from service.web.forms import FormRefused, parse
from service.web.pages import Anyone, Page, page

router = APIRouter(prefix="/web/orders", include_in_schema=False)
Sales = Annotated[Page, page("sales", "hq")]
Finance = Annotated[Page, page("finance")]
HQ = Annotated[Page, page("hq")]


@router.get("")
async def orders(
    view: Anyone,
    q: Annotated[Code | None, Query(max_length=64)] = None,
    state: Annotated[str | None, Query(max_length=32, pattern=r"^[a-z_]*$")] = None,
    before: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> HTMLResponse:
    found, following = await view.read(queries.browse, q=q, state=state or None, before=before)
    states = view.runtime.workflows["order"].states
    return view.render(
        "orders/list.html",
        orders=found,
        following=following,
        q=q or "",
        state=state or "",
        states=states,
    )


async def _holds_page(
    view: Page, error: DomainError | None = None, typed: dict[str, Any] | None = None
) -> HTMLResponse:
    held = await view.read(holds.on_hold)
    chosen = (typed or {}).get("chosen", set())
    errors = _by_order(error, (typed or {}).get("order_ids", []), view.locale) if error else {}
    values = {"reason": (typed or {}).get("reason", "")}
    shown = {"holds": held, "chosen": chosen, "row_errors": errors, "values": values}
    return view.show("orders/holds.html", error, **shown)


def _by_order(error: DomainError, order_ids: list[int], locale: str) -> dict[int, str]:
    """The refusals of `order_ids[k]`, by the order's id (its row on the page)."""
    rows = {}
    for e in error.errors:
        index = e.field.removeprefix("order_ids[").removesuffix("]")
        if e.field.startswith("order_ids[") and index.isdigit() and int(index) < len(order_ids):
            rows[order_ids[int(index)]] = e.reason(locale)
    return rows


def _selection(form: FormData) -> tuple[dict[str, Any], CreditHoldsRelease]:
    """The ticked orders (`id:version` each) and the reason, as typed and as the use case's."""
    ids, versions = [], []
    for index, value in enumerate(form.getlist("order")):
        order_id, _, version = str(value).partition(":")
        if not (order_id.isdigit() and version.isdigit()):
            problem = {"type": "int_parsing", "loc": ("order_ids", index), "msg": "not an id"}
            raise FormRefused([input_error(problem)])
        ids.append(int(order_id))
        versions.append(int(version))
    reason = str(form.get("reason") or "")
    typed = {"order_ids": ids, "chosen": set(ids), "reason": reason}
    body = {"order_ids": ids, "versions": versions, "reason": reason}
    try:
        return typed, CreditHoldsRelease.model_validate(body)
    except ValidationError as error:
        raise _Refused(typed, [input_error(e) for e in error.errors()]) from None


class _Refused(FormRefused):
    """A selection refused before it reached the use case, with what was ticked and typed."""

    def __init__(self, typed: dict[str, Any], errors: list[FieldError]) -> None:
        super().__init__(errors)
        self.typed = typed


@router.get("/credit-holds")
async def credit_holds(view: Finance) -> HTMLResponse:
    return await _holds_page(view)


@router.post("/credit-holds/release")
async def release_credit_holds(view: Finance) -> Response:
    form = await view.form()
    typed: dict[str, Any] = {}
    try:
        typed, data = _selection(form)
        await view.act(holds.release, form=form, data=data)
    except _Refused as error:
        return await _holds_page(view, error, error.typed)
    except DomainError as error:
        return await _holds_page(view, error, typed)
    return view.go("/web/orders/credit-holds", "orders.done.release_credit_holds")


async def _order_page(
    view: Page,
    order_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = await view.read(queries.get, order_id=order_id)
    shown = {
        "order": order,
        "credit": await view.read(queries.credit_decision, order_id=order_id),
        **await view.document("order", order_id, order.state),
        "values": values or {},
    }
    return view.show("orders/page.html", error, **shown)


@router.get("/{order_id}")
async def order(order_id: PathId, view: Anyone) -> HTMLResponse:
    return await _order_page(view, order_id)


@router.post("/{order_id}/approve")
async def approve(order_id: PathId, view: HQ) -> Response:
    form = await view.form()
    try:
        data = parse(OrderApproval, form)
        await view.act(approval.approve, form=form, data=data, order_id=order_id)
    except DomainError as error:
        return await _order_page(view, order_id, error, _typed(form))
    return view.go(f"/web/orders/{order_id}", "orders.done.approve")


@router.post("/{order_id}/cancel")
async def cancel(order_id: PathId, view: Sales) -> Response:
    form = await view.form()
    try:
        data = parse(OrderCancel, form)
        await view.act(usecases.cancel, form=form, data=data, order_id=order_id)
    except DomainError as error:
        return await _order_page(view, order_id, error, _typed(form))
    return view.go(f"/web/orders/{order_id}", "orders.done.cancel")


async def _end_credit_hold(order_id: int, view: Page, decision: str) -> Response:
    form = await view.form()
    usecase, done = CREDIT_DECISIONS[decision]
    try:
        data = parse(CreditReason, form)
        await view.act(usecase, form=form, data=data, order_id=order_id)
    except DomainError as error:
        return await _order_page(view, order_id, error, _typed(form))
    return view.go(f"/web/orders/{order_id}", done)


@router.post("/{order_id}/release_credit")
async def release_credit(order_id: PathId, view: Finance) -> Response:
    return await _end_credit_hold(order_id, view, "release_credit")


@router.post("/{order_id}/reject_credit")
async def reject_credit(order_id: PathId, view: Finance) -> Response:
    return await _end_credit_hold(order_id, view, "reject_credit")


def _typed(form: FormData) -> dict[str, str]:
    """What was typed in an action's form, shown again with its refusal."""
    return {name: str(form.get(name, "")) for name in ("reason", "business_date")}


CREDIT_DECISIONS = {
    "release_credit": (approval.release_credit, "orders.done.release_credit"),
    "reject_credit": (approval.reject_credit, "orders.done.reject_credit"),
}
