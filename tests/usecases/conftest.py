"""The middle layer: use cases called directly on a migrated SQLite file, at a fixed moment.

The schema is migrated and the world seeded once per session into a template file; each test
works on its own copy of it (SQLite's online backup), with a `Runtime` whose clock stands still
at `NOW`. No HTTP server, no threads: a test reads like the steps of the people doing the work.
"""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from service import bootstrap
from service.context import Clock
from service.db import Database
from service.masterdata import usecases as masterdata
from service.masterdata.schemas import ContractIn, CustomerIn, ItemIn
from service.migrate import upgrade
from service.receivables.check import check
from service.runtime import Runtime
from service.settings import Settings, load_settings
from tests.usecases.steps import NOW, TZ, WORLD, Steps, World


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _settings(url: str) -> Settings:
    return load_settings(database_url=url, demo=False, scheduler_enabled=False)


def _seed(db: Database, world: World) -> None:
    """Items, a key account with two DCs and a contract for 2026, and a customer whose small
    credit limit makes the credit_release rules hold its orders."""
    machines = bootstrap.workflows()
    with db.write() as session:
        for code in world.items:
            masterdata.new_item(session, ItemIn(code=code, name=f"model {code}"))
        for code, limit in ((world.customer, "1000000.00"), (world.tight_customer, "100.00")):
            masterdata.new_customer(
                session,
                CustomerIn.model_validate(
                    {
                        "code": code,
                        "name": f"customer {code}",
                        "grade": "B",
                        "credit_limit": limit,
                        "payment_term_days": 45,
                        "settlement_kind": "term_from_receipt",
                        "discount_mode": "receipt_offset",
                        "warehouses": [
                            {"code": world.dc, "name": "main DC"},
                            {"code": world.other_dc, "name": "second DC"},
                        ],
                    }
                ),
                workflows=machines,
            )
            masterdata.new_contract(
                session,
                ContractIn.model_validate(
                    {
                        "customer_code": code,
                        "contract_no": f"HT-{code}-2026",
                        "valid_from": world.contract_from,
                        "valid_to": world.contract_to,
                        "prices": [
                            {"item_code": item, "unit_price": price}
                            for item, price in world.prices.items()
                        ],
                    }
                ),
                workflows=machines,
            )


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file with the world seeded, copied for every test."""
    path = tmp_path_factory.mktemp("usecases") / "template.sqlite3"
    db = Database(_url(path))
    try:
        upgrade(db)
        _seed(db, WORLD)
    finally:
        db.dispose()
    return path


@pytest.fixture(scope="session")
def base_runtime(template: Path) -> Runtime:
    """Machines, rules and catalogs, loaded once; each test swaps in its database and clock."""
    settings = _settings(_url(template))
    return bootstrap.runtime(settings, Database(_url(template)))


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "o2c.sqlite3"
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(path)) as target:
        source.backup(target)
    database = Database(_url(path))
    yield database
    database.dispose()


@pytest.fixture(autouse=True)
def ledger_identity(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every use-case test, the ledger identity holds over its database."""
    if "db" not in request.fixturenames:
        yield
        return
    db: Database = request.getfixturevalue("db")
    yield
    with db.read() as session:
        report = check(session, bootstrap.workflows())
    assert report.ok, "ledger identity broken:\n" + "\n".join(map(str, report.failures))


@pytest.fixture
def runtime(base_runtime: Runtime, db: Database) -> Runtime:
    return dataclasses.replace(
        base_runtime,
        settings=_settings(db.url),
        db=db,
        clock=Clock(TZ, lambda: NOW),
    )


@pytest.fixture
def steps(runtime: Runtime) -> Steps:
    return Steps(runtime)
