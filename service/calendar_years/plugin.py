"""The working-day calendar feature plugs in: loading the years the calendar package does not
know (API, page, words). Its tables are shared plumbing (`service.workcalendar`), read by
`service.workdays`; the deployment directory is loaded at start by the composition root."""

from __future__ import annotations

from pathlib import Path

from service.calendar_years import pages
from service.calendar_years.routes import router
from service.plugins import Feature

FEATURE = Feature(
    name="calendar",
    routers=[router],
    catalog=Path(__file__).parent / "locale",
    pages=[pages.router],
    templates=pages.TEMPLATES,
    menu=[pages.MENU],
)
