"""The receipts feature plugs in: posting signed receipts and reading receipt exceptions, the
receipt form and printout, and the receipt panel of the order's page."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.receipts.pages import PANEL
from service.receipts.pages import router as pages
from service.receipts.routes import router

FEATURE = Feature(
    name="receipts",
    routers=(router,),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    panels=(PANEL,),
)
