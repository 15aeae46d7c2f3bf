"""A crawl of every page each role can reach from the home page, in English and in Chinese.

Every link a person is shown must lead to a page that is shown to them (no broken link, no page
of another role behind a link); no page may log a console error or show a message code instead
of words. The main pages are photographed in both languages into `screenshots/` (see README).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from service import bootstrap
from service.auth.tokens import ROLES
from tests.browser.conftest import SCREENSHOTS, Visit

Open = Callable[..., Visit]
# At most this many pages of one kind (the same path once numbers are taken out).
PER_KIND = 2
MAX_PAGES = 80
# Pages not to follow: leaving the session, or switching the language mid-crawl.
SKIP = re.compile(r"^/(logout|lang/)")
# Main pages photographed (a path's kind, numbers taken out), by name.
MAIN = {
    "/web": "home",
    "/web/orders": "orders",
    "/web/orders/N": "order",
    "/web/orders/N/receipt": "receipt-form",
    "/web/receipts/N/print": "receipt-print",
    "/web/receipt-exceptions": "receipt-exceptions",
    "/web/receipt-exceptions/N": "receipt-exception",
    "/web/invoices": "invoices",
    "/web/invoices/N": "invoice",
    "/web/invoices/N/print": "invoice-print",
    "/web/exceptions": "exceptions",
    "/web/exceptions/N": "exception",
    "/web/tasks": "tasks",
    "/web/tasks/N": "task",
    "/web/carriers": "carriers",
    "/web/rules": "rules",
    "/web/customers": "customers",
    "/web/customers/N": "customer",
    "/web/contracts/N": "contract",
    "/web/customers/N/edit": "customer-form",
    "/web/customers/N/contracts/new": "contract-new",
    "/web/contracts/N/edit": "contract-form",
    "/web/attorneys/N": "attorney",
    "/web/returns": "returns",
    "/web/returns/uncredited": "returns-uncredited",
    "/web/returns/N": "return",
    "/web/returns/N/print": "return-print",
    "/web/returns/new?invoice": "return-new",
    "/web/red-letter-forms": "red-letter-forms",
    "/web/red-letter-forms/N": "red-letter-form",
    "/web/red-letter-forms/N/print": "red-letter-form-print",
    "/web/red-letter-forms/new?invoice": "red-letter-form-new",
}


def _photograph(page: Page, path: Path) -> None:
    """A screenshot for people to look at, not a check: Chromium sometimes cannot capture a
    tall page whole, then the visible part is kept."""
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError:
        page.screenshot(path=str(path))


def _kind(url: str) -> str:
    parts = urlsplit(url)
    # A number or a code (an id, `HDQ`, `C-2026-001`) stands for any document of its kind.
    path = re.sub(r"/(?:[^/]*\d[^/]*|[A-Z][A-Z0-9_.-]*)(?=/|$)", "/N", parts.path)
    keys = sorted({p.split("=", 1)[0] for p in parts.query.split("&") if p})
    return path + ("?" + "&".join(keys) if keys else "")


def _untranslated(text: str) -> list[str]:
    """Message codes shown instead of words: `prefix.word.word` with a catalog's prefix."""
    codes = bootstrap.messages().codes()
    prefixes = "|".join(sorted({re.escape(c.split(".", 1)[0]) for c in codes}))
    pattern = re.compile(rf"\b(?:{prefixes})(?:\.[a-z0-9_]+){{2,}}\b")
    return sorted(set(pattern.findall(text)) | {c for c in codes if f" {c} " in text})


@pytest.mark.parametrize("locale", ["en", "zh"])
@pytest.mark.parametrize("role", [r for r in ROLES if r != "scheduler"])
def test_every_page_a_role_reaches_is_shown_translated_without_errors(
    visit: Open, role: str, locale: str
) -> None:
    tab = visit(role, locale=locale)
    page = tab.page
    seen_kinds: dict[str, int] = {}
    queue = deque(["/web"])
    visited: set[str] = set()
    broken: list[str] = []
    untranslated: list[str] = []
    while queue and len(visited) < MAX_PAGES:
        path = queue.popleft()
        if path in visited:
            continue
        visited.add(path)
        response = page.goto(path)
        status = response.status if response else 0
        if status != 200:
            broken.append(f"{path}: {status}")
            continue
        text = " ".join(page.inner_text("body").split())
        untranslated.extend(f"{path}: {code}" for code in _untranslated(f" {text} "))
        kind = _kind(path)
        name = MAIN.get(kind)
        if name and seen_kinds.get(kind, 0) == 0:
            SCREENSHOTS.mkdir(exist_ok=True)
            _photograph(page, SCREENSHOTS / f"{name}-{role}-{locale}.png")
        seen_kinds[kind] = seen_kinds.get(kind, 0) + 1
        for href in page.eval_on_selector_all(
            "a[href]", "links => links.map(a => a.getAttribute('href'))"
        ):
            target = urlsplit(href)
            if target.scheme or target.netloc or not target.path.startswith("/"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            if SKIP.match(link) or link in visited:
                continue
            if seen_kinds.get(_kind(link), 0) + queue.count(link) >= PER_KIND:
                continue
            if sum(1 for q in queue if _kind(q) == _kind(link)) >= PER_KIND:
                continue
            queue.append(link)
    assert broken == []
    assert untranslated == []
    assert tab.errors == []
    assert len(visited) > 1  # the home page leads somewhere
