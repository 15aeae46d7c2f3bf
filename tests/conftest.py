"""Fixtures: every API test runs on a SQLite file and on a PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from service.clock import business_date
from service.receivables.check import check
from tests.flows import Flows
from tests.pages import Person, make_people
from tests.support import (
    BACKENDS,
    Backend,
    Server,
    World,
    fresh_database,
    make_users,
    make_world,
    migrate,
    settings_for,
)

# The longest tests, each running servers on databases of their own for minutes, go first: under
# xdist they then run beside the rest instead of after it, alone on one worker.
LONGEST_FIRST = ("tests/test_fuzz.py", "tests/test_fleet.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not item.nodeid.startswith(LONGEST_FIRST))


@pytest.fixture(scope="session", params=BACKENDS)
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.param, tmp_path_factory.mktemp("sqlite")))
        db = migrate(url)
        stack.callback(db.dispose)
        settings = settings_for(url)
        server = stack.enter_context(Server(settings, db))
        yield Backend(
            name=request.param,
            db=db,
            settings=settings,
            url=server.url,
            runtime=server.app.state.ctx,
            tokens=make_users(db),
        )


@pytest.fixture(autouse=True)
def ledger_identity(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every test on a database, the ledger identity holds over all of it (what
    `o2c ar check` checks): a test that breaks it fails, naming the customers and invoices."""
    if "backend" not in request.fixturenames:
        yield
        return
    backend: Backend = request.getfixturevalue("backend")
    yield
    with backend.db.read() as session:
        report = check(session, backend.runtime.workflows)
    assert report.ok, "ledger identity broken:\n" + "\n".join(map(str, report.failures))


@pytest.fixture
def world(backend: Backend) -> World:
    return make_world(backend.db, today=business_date(backend.settings.tz))


@pytest.fixture
def flows(backend: Backend, world: World) -> Iterator[Flows]:
    with Flows(backend, world) as f:
        yield f


@pytest.fixture(scope="session")
def people(backend: Backend) -> dict[str, str]:
    """One person per role who logs in to the pages (password `tests.pages.PASSWORD`)."""
    return make_people(backend.db)


@pytest.fixture
def person(backend: Backend, people: dict[str, str]) -> Iterator[Callable[..., Person]]:
    """`person("finance")`: that role's person, logged in, reading English (or `locale=`)."""
    opened: list[Person] = []

    def open_as(role: str, *, locale: str = "en") -> Person:
        who = Person(backend.url, people[role], locale=locale)
        answer = who.login()
        assert answer.status_code == 303, answer.text
        opened.append(who)
        return who

    yield open_as
    for who in opened:
        who.http.close()
