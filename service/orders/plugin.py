"""The orders feature plugs in: routes, the order lifecycle and its guards, credit_release,
the go-live import of open orders."""

from __future__ import annotations

from pathlib import Path

from service.orders import credit
from service.orders.guards import ORDER_GUARDS
from service.orders.importer import OrderImporter
from service.orders.models import Order
from service.orders.pages import router as pages
from service.orders.routes import router
from service.plugins import Feature, MenuEntry
from service.workflow import Machine

FEATURE = Feature(
    name="orders",
    routers=(router,),
    machines=(Machine(Order, ORDER_GUARDS),),
    tags={"order": ("awaiting_credit",)},
    rulesets=(credit.BINDING,),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    menu=(
        MenuEntry("/web/orders", "orders.menu"),
        MenuEntry("/web/orders/credit-holds", "orders.menu.credit_holds", roles=("finance",)),
    ),
    importers=(OrderImporter(),),
)
