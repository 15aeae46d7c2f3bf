"""The receivables feature plugs in: the lifecycle tags its exposure query reads, and the ledger
check (`GET /receivables/check`)."""

from __future__ import annotations

from service.plugins import Feature
from service.receivables.queries import TAGS
from service.receivables.routes import router

FEATURE = Feature(name="receivables", routers=(router,), tags=TAGS)
