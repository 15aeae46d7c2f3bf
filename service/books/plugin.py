"""The books feature plugs in: the closed period (API, page, words). Its table is shared plumbing
(`service.periods`), read by every use case that takes a business date (`Context.dated`)."""

from __future__ import annotations

from pathlib import Path

from service.books import pages
from service.books.routes import router
from service.plugins import Feature

FEATURE = Feature(
    name="books",
    routers=[router],
    catalog=Path(__file__).parent / "locale",
    pages=[pages.router],
    templates=pages.TEMPLATES,
    menu=[pages.MENU],
)
