"""Jinja2 for the pages: the shared layout and every feature's templates, words from the catalogs.

Templates say `{{ t("orders.page.title") }}`; the words come from the same `.po` catalogs as the
refusals, in the reader's language, so a page never shows a code (the crawl test checks it).
Autoescaping is on; money keeps its two decimals; dates are ISO business dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from service import i18n
from service.plugins import MenuEntry

SHARED = Path(__file__).resolve().parent / "templates"


def money(value: Decimal | None) -> str:
    """`1234567.5` → `1,234,567.50`; nothing → an em dash."""
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


def percent(value: Decimal | None) -> str:
    """A rate as people write it: 0.1300 → 13%, 0.0650 → 6.5% (no float on the way)."""
    if value is None:
        return "—"
    shown = (Decimal(value) * 100).normalize()
    return f"{shown:f}%"


def when(value: datetime | date | None, tz: ZoneInfo | None = None) -> str:
    """A business date as written, a moment in the business time zone to the minute."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        shown = value.astimezone(tz) if tz is not None else value
        return shown.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def happened(event: Any, tz: ZoneInfo | None = None) -> str:
    """A journal row's business date when it is not the day it was recorded (entered late),
    else empty."""
    day = getattr(event, "business_date", None)
    if day is None:
        return ""
    recorded = event.occurred_at.astimezone(tz) if tz is not None else event.occurred_at
    return "" if recorded.date() == day else day.isoformat()


class Renderer:
    """The template environment of one app, and the menu its features contribute."""

    def __init__(self, folders: Iterable[Path], menu: Sequence[MenuEntry], tz: ZoneInfo) -> None:
        self.environment = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(SHARED)), *map(_loader, folders)]),
            autoescape=select_autoescape(default=True, default_for_string=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.environment.filters["money"] = money
        self.environment.filters["percent"] = percent
        self.environment.filters["when"] = lambda value: when(value, tz)
        self.environment.filters["happened"] = lambda event: happened(event, tz)
        self.menu = list(menu)

    def menu_for(self, roles: frozenset[str]) -> list[MenuEntry]:
        return [m for m in self.menu if not m.roles or roles.intersection(m.roles)]

    def render(self, template: str, *, locale: str, values: dict[str, Any]) -> str:
        def t(code: str, **params: Any) -> str:
            return i18n.text(code, locale, params)

        page = self.environment.get_template(template)
        return page.render({**values, "t": t, "locale": locale})


def _loader(folder: Path) -> FileSystemLoader:
    return FileSystemLoader(str(folder))
