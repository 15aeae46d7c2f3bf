"""The receivables feature plugs in: the lifecycle tags its exposure query reads, the ledger
check (`GET /receivables/check`), the ageing (R30) with its CSV, a customer's receivables and
statement of account, and their pages."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature, MenuEntry
from service.receivables.pages import PANEL
from service.receivables.pages import router as pages
from service.receivables.queries import TAGS
from service.receivables.report_routes import router as reports
from service.receivables.routes import router

FEATURE = Feature(
    name="receivables",
    routers=(router, reports),
    tags={**TAGS, "payment": ("counted",)},
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
    menu=(MenuEntry("/web/receivables", "receivables.menu.ageing", roles=("finance", "sales")),),
    panels=(PANEL,),
)
