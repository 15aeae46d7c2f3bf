"""The receivables feature plugs in: the lifecycle tags its exposure query reads, the ledger
check (`GET /receivables/check`), the ageing (R30) with its CSV and a customer's receivables."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.receivables.queries import TAGS
from service.receivables.report_routes import router as reports
from service.receivables.routes import router

FEATURE = Feature(
    name="receivables",
    routers=(router, reports),
    tags=TAGS,
    catalog=Path(__file__).parent / "locale",
)
