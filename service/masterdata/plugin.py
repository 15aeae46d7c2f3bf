"""The master data feature plugs in: customers, DCs, contracts and items."""

from __future__ import annotations

from pathlib import Path

from service.masterdata.routes import router
from service.plugins import Feature

FEATURE = Feature(name="masterdata", routers=(router,), catalog=Path(__file__).parent / "locale")
