"""The receipts feature plugs in: posting signed receipts and reading receipt exceptions."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.receipts.routes import router

FEATURE = Feature(name="receipts", routers=(router,), catalog=Path(__file__).parent / "locale")
