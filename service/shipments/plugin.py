"""The shipments feature plugs in: its routes, its pages and the shipment panel of the order's
page (the order lifecycle belongs to orders)."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature, MenuEntry
from service.shipments.pages import PANEL
from service.shipments.pages import router as pages
from service.shipments.routes import router

FEATURE = Feature(
    name="shipments",
    routers=(router,),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    # Logistics' two queues: orders to ship, and shipped orders waiting for their signed receipt.
    menu=(
        MenuEntry("/web/orders?state=approved", "shipments.menu.to_ship", roles=("logistics",)),
        MenuEntry(
            "/web/orders?state=shipped", "shipments.menu.awaiting_receipt", roles=("logistics",)
        ),
    ),
    panels=(PANEL,),
)
