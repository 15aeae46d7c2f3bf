"""Pages for shipments: logistics records an approved order's shipment (R5) and the carrier's
delivery report (R7); the order's page shows the shipment in a panel.

The forms post to `/web/orders/{id}/shipment/...`: the order pages answer every other POST of the
shape `/web/orders/{id}/{step}` themselves. A refusal shows the form again on a page of its own,
with each field's reason next to it and what was typed kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from service.context import Context
from service.errors import DomainError
from service.http import PathId
from service.orders import queries as orders
from service.shipments import queries, usecases
from service.shipments.schemas import DeliveryReport, ShipmentCreate
from service.web.documents import Panel
from service.web.forms import parse, refusal, typed
from service.web.pages import Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/orders", include_in_schema=False)
# The roles the order lifecycle gives `ship` and `record_delivery` (the API's routes check the
# same; the lifecycle checks them again when it fires).
Logistics = Annotated[Page, page("logistics")]
Reporters = Annotated[Page, page("logistics", "scheduler")]

# The warehouse kinds of R5 in words (literal codes: the catalog check reads them here).
KINDS = {"external": "shipments.kind.external", "internal": "shipments.kind.internal"}


def order_panel(session: Session, ctx: Context, order_id: int) -> Mapping[str, Any] | None:
    """The shipment on the order's page: once recorded, or when this person may record it."""
    shown = queries.order_shipping(session, ctx, order_id=order_id)
    if shown is None or (shown.shipment is None and not shown.may_ship):
        return None
    return {"shipping": shown, "kinds": KINDS}


PANEL = Panel(machine="order", template="shipments/order_panel.html", load=order_panel, place=10)


async def _ship_page(
    view: Page,
    order_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = await view.read(orders.get, order_id=order_id)
    shown: dict[str, Any] = {
        "order": order,
        "open": view.runtime.workflows["order"].allows(order.state, queries.SHIP),
        "carriers": await view.read(queries.known_carriers),
        "kinds": KINDS,
        "today": view.ctx.today,
        "values": values or {},
    }
    return view.show("shipments/ship.html", error, **shown)


@router.get("/{order_id}/ship")
async def ship_form(order_id: PathId, view: Logistics) -> HTMLResponse:
    """The shipment form: where the goods leave from, the carrier, the date, the quantities."""
    return await _ship_page(view, order_id)


@router.post("/{order_id}/shipment/record")
async def ship(order_id: PathId, view: Logistics) -> Response:
    form = await view.form()
    try:
        data = parse(ShipmentCreate, form)
        await view.act(usecases.ship, form=form, data=data, order_id=order_id)
    except (DomainError, WorkflowError) as error:
        return await _ship_page(view, order_id, refusal(error), typed(form))
    return view.go(f"/web/orders/{order_id}", "shipments.done.ship")


async def _delivery_page(
    view: Page,
    order_id: int,
    error: DomainError | None = None,
    values: dict[str, str] | None = None,
) -> HTMLResponse:
    order = await view.read(orders.get, order_id=order_id)
    shown: dict[str, Any] = {
        "order": order,
        "shipping": await view.read(queries.order_shipping, order_id=order_id),
        "kinds": KINDS,
        "today": view.ctx.today,
        "values": values or {},
    }
    return view.show("shipments/delivery.html", error, **shown)


@router.get("/{order_id}/record_delivery")
async def delivery_form(order_id: PathId, view: Reporters) -> HTMLResponse:
    """The carrier's report that the customer signed: the day R7's two working days start."""
    return await _delivery_page(view, order_id)


@router.post("/{order_id}/shipment/delivery")
async def record_delivery(order_id: PathId, view: Reporters) -> Response:
    form = await view.form()
    try:
        data = parse(DeliveryReport, form)
        await view.act(usecases.record_delivery, form=form, data=data, order_id=order_id)
    except (DomainError, WorkflowError) as error:
        return await _delivery_page(view, order_id, refusal(error), typed(form))
    return view.go(f"/web/orders/{order_id}", "shipments.done.record_delivery")
