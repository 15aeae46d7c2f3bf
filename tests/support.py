"""Test helpers: real databases (SQLite file, PostgreSQL), a real server, and a test world."""

from __future__ import annotations

import asyncio
import functools
import itertools
import os
import socket
import struct
import threading
import time
import uuid
import zlib
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest
import uvicorn
from sqlalchemy.engine import make_url

from service import bootstrap, statistics
from service.app import create_app
from service.auth import tokens
from service.db import Database
from service.masterdata import usecases as masterdata
from service.masterdata.schemas import ContractIn, CustomerIn, ItemIn
from service.migrate import upgrade
from service.runtime import Runtime
from service.settings import Settings, load_settings
from service.workflow import Workflows

PG_ADMIN_URL = os.environ.get(
    "O2C_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_counter = itertools.count(1)
T = TypeVar("T")


@functools.cache
def workflows() -> Workflows:
    """The packaged machines, built once: master data seeded by tests is journalled like any."""
    return bootstrap.workflows()


def unique_fapiao() -> str:
    """A 20-digit fully digital invoice number (数电票), unique in this test run."""
    return f"{uuid.uuid4().int % 10**14:014d}{next(_counter):06d}"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}-{next(_counter)}"


def pg_conninfo(url: str) -> str:
    parsed = make_url(url)
    parts = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


def postgres_available() -> bool:
    try:
        with psycopg.connect(pg_conninfo(PG_ADMIN_URL), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped afterwards."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required when CI is set, but {PG_ADMIN_URL} is down")
        pytest.skip("no PostgreSQL server (set O2C_TEST_PG_ADMIN_URL)")
    name = f"o2c_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = pg_conninfo(PG_ADMIN_URL)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# The databases every test of both runs on (a fixture's params).
BACKENDS = ["sqlite", "postgresql"]


@contextmanager
def fresh_database(backend: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database of the test's own: a SQLite file in `folder`, or a
    database on the PostgreSQL server, dropped afterwards."""
    if backend == "sqlite":
        yield tmp_sqlite_url(folder)
        return
    with postgres_database() as url:
        yield url


def run_async(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` in a thread of its own: the browser tests' Playwright keeps an
    event loop running in the worker's thread, where `asyncio.run` is refused."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def settings_for(url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"demo": False, "scheduler_enabled": False, **overrides}
    return load_settings(database_url=url, **values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """The real app under uvicorn on a loopback port, in a background thread."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.port = free_port()
        self.app = create_app(settings, db=db)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="on",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class Backend:
    """One database under test with its migrated schema, its server and the role tokens."""

    name: str
    db: Database
    settings: Settings
    url: str
    runtime: Runtime
    tokens: dict[str, str] = field(default_factory=dict)

    def client(self, role: str | None = None, token: str | None = None) -> httpx.Client:
        headers = {}
        if role or token:
            headers["Authorization"] = f"Bearer {token or self.tokens[role or '']}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def make_users(db: Database) -> dict[str, str]:
    made = {}
    with db.write() as session:
        for role in tokens.ROLES:
            username = unique(f"u-{role}")
            tokens.create_user(session, username=username, roles=[role])
            made[role] = tokens.issue_token(session, username=username, name="tests")
    return made


def migrate(url: str) -> Database:
    db = Database(url)
    upgrade(db)
    return db


def analyses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every change of rows counts as a bulk change (`service.statistics`): the tables ANALYZE
    then ran on, in order."""
    monkeypatch.setattr(statistics, "BULK_ROWS", 0)
    monkeypatch.setattr(statistics, "BULK_SHARE", 0)
    analysed: list[str] = []
    analyze = statistics.analyze

    def spied(session: Any, table: str) -> None:
        analysed.append(table)
        analyze(session, table)

    monkeypatch.setattr(statistics, "analyze", spied)
    return analysed


def png_bytes(seed: str = "") -> bytes:
    """A small valid PNG (different content per seed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    extra = chunk(b"tEXt", b"seed\x00" + seed.encode()) if seed else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", zlib.compress(b"\x00\x80"))
        + chunk(b"IEND", b"")
    )


@dataclass
class World:
    """Master data made for one test: a customer with DCs and a contract, and items."""

    customer: str
    dc: str
    other_dc: str
    items: list[str]
    prices: dict[str, Decimal]
    contract: str


def make_world(
    db: Database,
    *,
    today: date,
    discount_mode: str = "receipt_offset",
    discount_rate: str = "0",
    contract_days: tuple[int, int] = (-100, 300),
    grade: str = "B",
    delivery: str = "branch",
    branch: str = "",
    tax_no: str = "",
) -> World:
    customer = unique("C")
    items = [unique("M") for _ in range(7)]
    prices = {code: Decimal(f"{1000 + 111 * i}.50") for i, code in enumerate(items[:6])}
    contract = unique("HT")
    with db.write() as session:
        for code in items:
            masterdata.new_item(session, ItemIn(code=code, name=f"model {code}"))
        masterdata.new_customer(
            session,
            CustomerIn(
                code=customer,
                name=f"customer {customer}",
                tax_no=tax_no,
                branch=branch,
                grade=grade,
                credit_limit=Decimal("1000000.00"),
                payment_term_days=45,
                settlement_kind="term_from_receipt",
                discount_mode=discount_mode,
                invoice_delivery=delivery,
                settlement_centre_address="settlement centre, Road 1"
                if delivery == "settlement_centre"
                else None,
                warehouses=[
                    {"code": "DC1", "name": "main DC"},
                    {"code": "DC2", "name": "second DC"},
                ],
            ),
            workflows=workflows(),
        )
        # The seventh item exists but has no contract price.
        masterdata.new_contract(
            session,
            ContractIn(
                customer_code=customer,
                contract_no=contract,
                valid_from=today + timedelta(days=contract_days[0]),
                valid_to=today + timedelta(days=contract_days[1]),
                discount_rate=Decimal(discount_rate),
                prices=[{"item_code": c, "unit_price": p} for c, p in prices.items()],
            ),
            workflows=workflows(),
        )
    return World(
        customer=customer, dc="DC1", other_dc="DC2", items=items, prices=prices, contract=contract
    )


def tmp_sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'o2c.sqlite3'}"


def plan_of(db: Database, query: Any) -> str:
    """The database's plan of `query`, as one line of text. On PostgreSQL with sequential scans
    off: a test database is tiny, so a sequential scan would be cheaper; the question is whether
    the planner can answer from an index at all. (Dates go as typed parameters there.)"""
    with db.read() as session:
        dialect = session.get_bind().dialect
        connection = session.connection()
        if dialect.name == "sqlite":
            sql = str(query.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))
            rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
            return " ".join(str(row[-1]) for row in rows)
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        rows = connection.exec_driver_sql(f"EXPLAIN {compiled.string}", compiled.params)
        return " ".join(str(row[0]) for row in rows)
