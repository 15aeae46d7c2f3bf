"""The attachments feature plugs in: uploading and downloading evidence files over HTTP, and the
pages that show a file in the browser."""

from __future__ import annotations

from pathlib import Path

from service.attachments.pages import router as pages
from service.attachments.routes import router
from service.plugins import Feature

FEATURE = Feature(
    name="attachments",
    routers=(router,),
    catalog=Path(__file__).parent / "locale",
    pages=(pages,),
    templates=Path(__file__).parent / "templates",
)
