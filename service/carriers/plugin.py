"""The carriers feature plugs in: the lateness list, the carriers' board and R7's scheduled
chase."""

from __future__ import annotations

from pathlib import Path

from service.carriers.jobs import carrier_receipt_overdue
from service.carriers.pages import router as pages
from service.carriers.queries import CARRIER_RECEIPT_OVERDUE
from service.carriers.routes import router
from service.plugins import Feature, MenuEntry

FEATURE = Feature(
    name="carriers",
    routers=(router,),
    jobs={CARRIER_RECEIPT_OVERDUE: carrier_receipt_overdue},
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    # Anyone may read the carriers' lateness (as `GET /carriers/lateness`).
    menu=(MenuEntry("/web/carriers", "carriers.menu"),),
)
