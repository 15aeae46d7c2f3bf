"""Benchmark: the orders list page (/web/orders) at 100,000 orders, against the JSON API list.

Run with `python bench/bench_pages.py [--orders N] [--requests N] [--database-url URL]`. A fresh
SQLite file (or, with `--database-url`, a temporary database on that PostgreSQL server, created
and dropped) is migrated and seeded with N shipped orders (bench/seed.py, set-based), a person
with a password is added, the real app (`service.app.create_app`) runs under uvicorn in a thread
of this process, and the person logs in through the login form as a browser does. Then, on one
keep-alive connection, after a short warm-up, `--requests` requests of each of these are timed,
interleaved (so that a burst of load from elsewhere touches all alike), each stopped early after
`--seconds`:

- first: /web/orders, the newest page;
- deep: /web/orders?before=<an id near the oldest>, a page at the far end (paging by key, so as
  fast as the first: no OFFSET to walk);
- state: /web/orders?state=shipped;
- search: /web/orders?q=<an existing customer PO number>;
- api: GET /orders?limit=<the page's size> with the seeded user's bearer token, the baseline.

It prints median and p95 latency of each, the ratio deep/first (about 1.0 when paging is by key)
and each page's ratio to the api, and checks every answer: 200, and the rows expected (the
newest, the ones before the key, only the order searched for), the link to the next page; a wrong
answer exits non-zero. The orders statement behind each (as `queries.browse`, or for the api
`queries.search`, sends it) is then timed alone on a connection of its own; one slower than 5 ms
and five times the first page's gets the database's plan of it printed (`--explain`: every
one).
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.client import HTTPConnection
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import uvicorn
from sqlalchemy import event, select
from sqlalchemy.engine import Engine, make_url

from bench.bench_receipts_http import database_for, free_port
from bench.seed import Seeded, seed
from service import bootstrap
from service.app import create_app
from service.auth import passwords, tokens
from service.clock import business_date
from service.db import Database
from service.migrate import upgrade
from service.orders import queries
from service.orders.models import Order
from service.settings import load_settings

USERNAME = "bench-pages"
PASSWORD = "bench pages password"
ROLES = ["sales"]  # the list page is for anyone signed in; sales is who works with orders
PAGE = int(inspect.signature(queries.browse).parameters["size"].default)
# An orders statement slower than this alone, and than SLOW_TIMES the first page's, is shown
# with its plan.
SLOW_QUERY = 0.005
SLOW_TIMES = 5
QUERY_RUNS = 5

_ROW = re.compile(r'href="/web/orders/(\d+)"')
_NEXT = re.compile(r'href="/web/orders\?[^"]*before=(\d+)"')
_SELECT_LIST = re.compile(r"^\s*SELECT .*?\sFROM\s", re.S)


# --- the database and the person ------------------------------------------------------------


@dataclass(frozen=True)
class World:
    url: str
    seeded: Seeded
    person_id: int
    po_order: int  # the order searched for by its customer PO number
    po_no: str


def prepare(url: str, count: int) -> World:
    """Migrate, seed `count` shipped orders, add the person who logs in to the pages."""
    db = Database(url)
    try:
        upgrade(db)
        today = business_date(load_settings(database_url=url).tz)
        started = time.perf_counter()
        seeded = seed(db, count, today=today)
        with db.write() as session:
            person = tokens.create_user(session, username=USERNAME, roles=ROLES)
            passwords.set_password(session, username=USERNAME, password=PASSWORD)
            person_id = person.id
        # An order a third of the way from the oldest: a search must find it wherever it is.
        target = seeded.orders[len(seeded.orders) // 3].id
        with db.read() as session:
            po_no = session.scalar(select(Order.customer_po_no).where(Order.id == target))
        if not po_no:
            raise RuntimeError(f"order {target} has no customer PO number")
        print(f"seeded {count:,} orders in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        db.dispose()
    return World(url, seeded, person_id, target, po_no)


# --- the server, and logging in as a browser does ------------------------------------------


@contextmanager
def serving(url: str) -> Iterator[int]:
    """The real app (`create_app`, without the scheduler) under uvicorn on a loopback port, in a
    thread of this process; its port. The requests are one at a time: the client waits for each
    answer off the GIL while the server works, and no second interpreter has to import the
    service and start (seconds on a loaded machine)."""
    settings = load_settings(database_url=url, demo=False, scheduler_enabled=False)
    port = free_port()
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", access_log=False
    )
    runner = uvicorn.Server(config)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not runner.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        yield port
    finally:
        runner.should_exit = True
        thread.join(timeout=30)


class _LoginForm(HTMLParser):
    """The inputs of the page's form that posts to /login."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = False
        self.found = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("action") == "/login":
            self.inside = self.found = True
        elif tag == "input" and self.inside and a.get("name"):
            self.fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def login(base: str, next_path: str) -> str:
    """Log in through the form (its hidden token and cookie); the session cookie's value."""
    with httpx.Client(base_url=base, timeout=60, follow_redirects=False) as http:
        shown = http.get("/login", params={"next": next_path})
        form = _LoginForm()
        form.feed(shown.text)
        if shown.status_code != 200 or not form.found or "login_token" not in form.fields:
            raise RuntimeError(f"no login form at /login ({shown.status_code})")
        sent = http.post("/login", data={**form.fields, "username": USERNAME, "password": PASSWORD})
        session = http.cookies.get("o2c_session")
        if sent.status_code != 303 or sent.headers.get("location") != next_path or not session:
            raise RuntimeError(f"the login was refused ({sent.status_code}): {sent.text[:300]}")
        return session


# --- what is timed, and what each answer must be --------------------------------------------


Check = Callable[[str], str | None]  # None when the answer is right, else what is wrong


def page_check(rows: list[int], following: int | None, shows: str | None = None) -> Check:
    """A list page with exactly `rows` (ids, in order) and a link to the next page, or none."""

    def check(html: str) -> str | None:
        found = [int(n) for n in _ROW.findall(html)]
        if found != rows:
            return f"{len(found)} rows {found[:3]}…, expected {len(rows)} rows {rows[:3]}…"
        link = _NEXT.search(html)
        after = int(link.group(1)) if link else None
        if after != following:
            return f"the next page starts before {after}, expected {following}"
        if shows is not None and shows not in html:
            return f"{shows!r} is not shown"
        return None

    return check


def api_check(rows: list[int]) -> Check:
    def check(body: str) -> str | None:
        found = [o["id"] for o in json.loads(body)]
        if found != rows:
            return f"{len(found)} orders {found[:3]}…, expected {len(rows)} {rows[:3]}…"
        return None

    return check


@dataclass
class Probe:
    name: str
    path: str
    headers: dict[str, str]
    check: Check
    read: tuple[Callable[..., Any], dict[str, Any]]  # the query behind it, and its arguments
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    spent: float = 0.0

    def median(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else math.nan

    def p95(self) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)] * 1000


def probes(world: World, session: str) -> list[Probe]:
    orders = [o.id for o in world.seeded.orders]
    newest = orders[::-1][:PAGE]
    # A page near the oldest: the key is the id just after the page, one older order remains.
    deep_key = orders[PAGE + 1]
    deep = orders[PAGE:0:-1]
    page = {"Cookie": f"o2c_session={session}; o2c_lang=en"}
    api = {"Authorization": f"Bearer {world.seeded.token}"}
    return [
        Probe("first", "/web/orders", page, page_check(newest, newest[-1]), (queries.browse, {})),
        Probe(
            "deep",
            f"/web/orders?before={deep_key}",
            page,
            page_check(deep, deep[-1]),
            (queries.browse, {"before": deep_key}),
        ),
        Probe(
            "state",
            "/web/orders?state=shipped",
            page,
            page_check(newest, newest[-1]),
            (queries.browse, {"state": "shipped"}),
        ),
        Probe(
            "search",
            f"/web/orders?{urlencode({'q': world.po_no})}",
            page,
            page_check([world.po_order], None, shows=world.po_no),
            (queries.browse, {"q": world.po_no}),
        ),
        Probe(
            "api",
            f"/orders?limit={PAGE}",
            api,
            api_check(newest),
            (queries.search, {"limit": PAGE}),
        ),
    ]


def ask(http: HTTPConnection, probe: Probe, *, timed: bool) -> None:
    started = time.perf_counter()
    http.request("GET", probe.path, headers=probe.headers)
    response = http.getresponse()
    body = response.read()
    elapsed = time.perf_counter() - started
    probe.spent += elapsed
    if timed:
        probe.latencies.append(elapsed)
    if response.status != 200:
        probe.failures.append(f"{response.status} {body[:200]!r}")
        return
    wrong = probe.check(body.decode())
    if wrong is not None:
        probe.failures.append(wrong)


def measure(port: int, measured: list[Probe], requests: int, seconds: float) -> None:
    """A warm-up, then `requests` of each probe in turn; a probe stops after `seconds`."""
    http = HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        for _ in range(max(3, requests // 20)):
            for probe in measured:
                ask(http, probe, timed=False)
        for probe in measured:
            probe.spent = 0.0
        for n in range(requests):
            # Each round starts at another probe: none is always the one after a pause.
            for probe in measured[n % len(measured) :] + measured[: n % len(measured)]:
                if probe.spent < seconds:
                    ask(http, probe, timed=True)
    finally:
        http.close()


# --- the query behind each page, alone -----------------------------------------------------


@dataclass
class Query:
    statement: str  # as sent to the database, with its parameters
    parameters: Any
    seconds: float = math.nan  # the fastest of QUERY_RUNS runs, on a connection of its own
    plan: list[str] = field(default_factory=list)

    def shown(self) -> str:
        short = _SELECT_LIST.sub("SELECT orders.*, … FROM ", self.statement, count=1)
        return " ".join(short.split()) + f"   -- {self.parameters}"


def orders_queries(world: World, measured: list[Probe], *, explain: bool) -> dict[str, Query]:
    """The orders statement the query behind each probe sends, timed alone (the fastest of a few
    runs: what it costs, not what the machine's other load adds); and, for those much slower
    than the first page's (every one with `explain`), the database's plan of it (SQLite:
    EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN ANALYZE)."""
    settings = load_settings(database_url=world.url, demo=False, scheduler_enabled=False)
    db = Database(world.url)
    ctx = bootstrap.runtime(settings, db).for_actor(
        tokens.Actor(user_id=world.person_id, username=USERNAME, roles=frozenset(ROLES))
    )
    sent: list[Query] = []

    def capture(*args: Any) -> None:
        statement, parameters = args[2], args[3]
        if statement.lstrip().upper().startswith("SELECT") and "FROM orders" in statement:
            sent.append(Query(statement, parameters))

    found: dict[str, Query] = {}
    try:
        for probe in measured:
            sent.clear()
            event.listen(Engine, "before_cursor_execute", capture)
            try:
                with db.read() as session:
                    query_of, arguments = probe.read
                    query_of(session, ctx, **arguments)
            finally:
                event.remove(Engine, "before_cursor_execute", capture)
            query = found[probe.name] = sent[0]
            with db.lookup() as conn:
                runs = []
                for _ in range(QUERY_RUNS):
                    started = time.perf_counter()
                    conn.exec_driver_sql(query.statement, query.parameters).all()
                    runs.append(time.perf_counter() - started)
                query.seconds = min(runs)
        first = found["first"].seconds
        how = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN ANALYZE "
        with db.lookup() as conn:
            for query in found.values():
                if explain or query.seconds > max(SLOW_QUERY, SLOW_TIMES * first):
                    plan = conn.exec_driver_sql(how + query.statement, query.parameters).all()
                    query.plan = [str(row[-1]) for row in plan]
    finally:
        db.dispose()
    return found


# --- the run --------------------------------------------------------------------------------


def report(measured: list[Probe], alone: dict[str, Query]) -> None:
    print(
        f"{'':<7} {'path':<38} {'requests':>8} {'median':>10} {'p95':>10} "
        f"{'its query':>10}  failures"
    )
    for probe in measured:
        path = probe.path if len(probe.path) <= 38 else probe.path[:37] + "…"
        alone_ms = alone[probe.name].seconds * 1000
        print(
            f"{probe.name:<7} {path:<38} {len(probe.latencies):>8} {probe.median():>7.1f} ms "
            f"{probe.p95():>7.1f} ms {alone_ms:>7.1f} ms  {len(probe.failures)}"
        )
        for failure in probe.failures[:3]:
            print(f"        {failure}")
    medians = {p.name: p.median() for p in measured}
    deep = medians["deep"] / medians["first"]
    verdict = "keyset: the deep page is as fast" if deep <= 1.25 else "the deep page is SLOWER"
    print(f"ratio deep/first   {deep:5.2f}   (about 1.0 expected: {verdict})")
    for name in ("first", "deep", "state", "search"):
        print(f"ratio {name + '/api':<12} {medians[name] / medians['api']:5.2f}")
    for name, query in alone.items():
        if query.plan:
            print(f"\n{name}: its orders query took {query.seconds * 1000:.1f} ms alone:")
            print(f"  {query.shown()}")
            print("\n".join(f"    {line}" for line in query.plan))


def run(database: AbstractContextManager[str], args: argparse.Namespace) -> bool:
    """Seed, serve, log in, measure, report; whether every answer was right."""
    with database as url:
        world = prepare(url, args.orders)
        started = time.perf_counter()
        with serving(url) as port:
            session = login(f"http://127.0.0.1:{port}", "/web/orders")
            print(f"server up and logged in in {time.perf_counter() - started:.1f} s")
            measured = probes(world, session)
            print(
                f"{args.orders:,} orders on {make_url(url).get_backend_name()}; {args.requests} "
                f"requests of each after a warm-up, one connection, at most {args.seconds:g} s "
                f"each; a page holds {PAGE} orders",
                flush=True,
            )
            started = time.perf_counter()
            measure(port, measured, args.requests, args.seconds)
            print(f"measured in {time.perf_counter() - started:.1f} s")
        report(measured, orders_queries(world, measured, explain=args.explain))
    return not any(p.failures or not p.latencies for p in measured)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000, help="orders seeded (100,000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests of each")
    parser.add_argument("--seconds", type=float, default=8, help="at most this long for each")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (admin connection) to run on instead of a SQLite file: a "
        "temporary database is created there and dropped",
    )
    parser.add_argument("--explain", action="store_true", help="print every page's query plan")
    args = parser.parse_args()
    if args.orders < 2 * PAGE + 2:
        parser.error(f"--orders must be at least {2 * PAGE + 2} (two pages and a bit)")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    with tempfile.TemporaryDirectory(prefix="o2c-bench-pages-") as tmp:
        database = database_for(parser, args.database_url, tmp, "pages.sqlite3")
        if database is None:
            return 1
        right = run(database, args)
    if not right:
        print("WRONG ANSWERS: see the failures above")
    return 0 if right else 1


if __name__ == "__main__":
    sys.exit(main())
