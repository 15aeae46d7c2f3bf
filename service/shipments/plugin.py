"""The shipments feature plugs in: its routes (the order lifecycle belongs to orders)."""

from __future__ import annotations

from pathlib import Path

from service.plugins import Feature
from service.shipments.routes import router

FEATURE = Feature(name="shipments", routers=(router,), catalog=Path(__file__).parent / "locale")
