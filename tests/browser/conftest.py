"""Browser tests: Debian's Chromium driven by Playwright against the real app on a SQLite file
loaded with the demo data (what `make run` shows), plus what each test makes for itself.

Without a browser the tests skip, unless CI is set: then they fail, as `.ci/run` installs one.
`O2C_TEST_CHROMIUM` names another browser executable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from service import demo
from service.clock import business_date
from service.receivables.check import check
from tests.flows import Flows
from tests.pages import PASSWORD, make_people
from tests.support import (
    Backend,
    Server,
    World,
    make_users,
    make_world,
    migrate,
    settings_for,
    tmp_sqlite_url,
)

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def chromium_path() -> str | None:
    return os.environ.get("O2C_TEST_CHROMIUM") or shutil.which("chromium")


@dataclass
class Site:
    """The running service, who logs in to it, and a world of master data for new documents
    (made through the API with `flows`, as in the API tests)."""

    url: str
    backend: Backend
    people: dict[str, str]
    world: World


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = tmp_sqlite_url(tmp_path_factory.mktemp("browser"))
    db = migrate(url)
    settings = settings_for(url)
    with Server(settings, db) as server:
        runtime = server.app.state.ctx
        demo.load(runtime)
        world = make_world(db, today=business_date(settings.tz))
        backend = Backend("sqlite", db, settings, server.url, runtime, make_users(db))
        yield Site(server.url, backend, make_people(db), world)
    db.dispose()


@pytest.fixture(autouse=True)
def ledger_identity(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every browser test, the ledger identity holds over the site's database."""
    if "site" not in request.fixturenames:
        yield
        return
    site: Site = request.getfixturevalue("site")
    yield
    with site.backend.db.read() as session:
        report = check(session, site.backend.runtime.workflows)
    assert report.ok, "ledger identity broken:\n" + "\n".join(map(str, report.failures))


@pytest.fixture
def flows(site: Site) -> Iterator[Flows]:
    with Flows(site.backend, site.world) as made:
        yield made


@pytest.fixture
def own(site: Site) -> Iterator[Flows]:
    """A customer of the test's own (a world of its own): its lists show its documents only."""
    world = make_world(site.backend.db, today=business_date(site.backend.settings.tz))
    with Flows(site.backend, world) as made:
        yield made


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    executable = chromium_path()
    if executable is None or not Path(executable).exists():
        if os.environ.get("CI"):
            pytest.fail("the browser tests need Chromium when CI is set (.ci/run installs it)")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


class Visit:
    """One person's browser tab: the console errors it met are kept for the test to check."""

    def __init__(self, page: Page, site: Site) -> None:
        self.page = page
        self.site = site
        self.errors: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text} at {self.page.url}")


@pytest.fixture
def visit(chromium: Browser, site: Site) -> Iterator[Callable[..., Visit]]:
    """`visit("finance", locale="zh")`: a new browser context, logged in through the form."""
    contexts: list[BrowserContext] = []

    def open_as(role: str, *, locale: str = "en", width: int = 1280) -> Visit:
        context = chromium.new_context(
            base_url=site.url,
            locale="zh-CN" if locale == "zh" else "en-GB",
            viewport={"width": width, "height": 900},
        )
        contexts.append(context)
        tab = Visit(context.new_page(), site)
        tab.page.goto("/login")
        log_in(tab.page, site.people[role])
        return tab

    yield open_as
    for context in contexts:
        context.close()


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state()
