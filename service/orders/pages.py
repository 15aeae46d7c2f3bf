"""Pages for orders: find one, see where it is, approve, cancel, end a credit hold (R1-R4)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from service.errors import DomainError
from service.http import PathId
from service.orders import approval, queries, usecases
from service.orders.schemas import CreditReason, OrderApproval, OrderCancel
from service.schemas import Code
from service.web.forms import parse
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
