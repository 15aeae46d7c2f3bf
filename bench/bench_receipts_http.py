"""Benchmark: signed receipts posted over HTTP, against a bare FastAPI endpoint on the driver.

Run with `python bench/bench_receipts_http.py [--receipts N] [--clients 8] [--only sqlite]
[--workers 1,2,4]`.
For SQLite (a temporary file) and PostgreSQL (a temporary database, created and dropped; skipped
with a message when no server answers), and for each of two servers:

- ours: the real app (`service.app.create_app`) under uvicorn;
- bare: a FastAPI app defined here with one endpoint doing the same work with sqlite3/psycopg
  directly: token lookup, Idempotency-Key check and record, order and shipped lines read,
  receipt number and evidence checks, receipt row, lines, evidence link, R8 shortages, order
  state and version update (optimistic), journal row, one commit;

a fresh database is migrated and seeded with N shipped orders (bench/seed.py), the server runs
in its own process on a loopback port with the same uvicorn settings, and `--clients` threads
post one signed receipt per order (real token, Idempotency-Key, a shortage every tenth) after a
short warm-up. Each of `--rounds` rounds runs both, each on a fresh database, ours first in odd
rounds and bare first in even ones. It prints receipts/second, p50 and p99 latency and the
server process's CPU time per receipt, and judges on the last: what the server itself spent,
which the clients and other load on the machine move far less than throughput. Target: the
median ratio of the rounds at most 1.25× bare's. It checks that every database holds one
receipt, journal row and idempotency record per request, two receipt lines, one evidence link
and the shortages, and that ours and bare booked the very same lines, exceptions and evidence
links (by receipt number, line number, item code and scan).

With `--workers 1,2,4` it measures instead how `o2c serve --workers N` scales on PostgreSQL (no
bare server): per round and worker count (in reverse order every other round) a fresh database,
the command as deployed (its log lines sent nowhere, the scheduler off), the same clients (give
enough with `--clients`), receipts/second and the CPU of supervisor and workers per receipt, and
the same checks of what was booked.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from http.client import HTTPConnection
from pathlib import Path
from typing import Annotated, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
import psycopg
import uvicorn
from fastapi import FastAPI, Header
from fastapi.responses import JSONResponse
from sqlalchemy.engine import make_url

from bench.seed import Seeded, seed
from service.clock import business_date
from service.db import Database
from service.migrate import upgrade
from service.receipts.schemas import ReceiptCreate
from service.settings import load_settings

TARGET = 1.25  # ours may spend at most this many times bare's server CPU per receipt
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


# --- the bare baseline ----------------------------------------------------------------------


class _Driver:
    """One connection per server thread; SQL written with %s, turned into ? for sqlite3."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.sqlite = self.url.get_backend_name() == "sqlite"
        self.local = threading.local()

    def connection(self) -> Any:
        conn = getattr(self.local, "conn", None)
        if conn is None:
            if self.sqlite:
                conn = sqlite3.connect(self.url.database or "", timeout=30, isolation_level=None)
                for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
                    conn.execute(f"PRAGMA {pragma}")
                conn.execute("PRAGMA busy_timeout=30000")
            else:
                conn = psycopg.connect(_conninfo(self.url.render_as_string(False)))
            self.local.conn = conn
        return conn

    def sql(self, text: str) -> str:
        return text.replace("%s", "?") if self.sqlite else text

    def now(self) -> Any:
        stamp = datetime.now(UTC)
        return stamp.replace(tzinfo=None).isoformat(sep=" ") if self.sqlite else stamp


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"status": status, "detail": detail}, status_code=status)


def bare_app(url: str) -> FastAPI:
    """One endpoint, the same rows as ours, written with the database driver directly."""
    app = FastAPI()
    driver = _Driver(url)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/orders/{order_id}/receipt", status_code=201)
    def post_receipt(
        order_id: int,
        body: ReceiptCreate,
        authorization: Annotated[str, Header()],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        conn, q = driver.connection(), driver.sql
        token = hashlib.sha256(authorization.removeprefix("Bearer ").encode()).hexdigest()
        user = conn.execute(
            q(
                "SELECT u.id, u.username, u.roles FROM api_tokens t JOIN users u ON u.id = "
                "t.user_id WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.active"
            ),
            (token,),
        ).fetchone()
        if not driver.sqlite:
            conn.rollback()  # end the token lookup's transaction; the work gets its own
        if user is None:
            return _problem(401, "unknown, revoked or inactive token")
        roles = json.loads(user[2]) if isinstance(user[2], str) else user[2]
        if "logistics" not in roles:
            return _problem(403, "posting receipts needs the logistics role")
        if driver.sqlite:
            conn.execute("BEGIN IMMEDIATE")
        try:
            response = _post(driver, conn, user, order_id, body, idempotency_key)
        except Exception:
            conn.rollback()
            raise
        if isinstance(response, JSONResponse):
            conn.rollback()
            return response
        conn.commit()
        return JSONResponse(response, status_code=201)

    return app


def _post(
    driver: _Driver,
    conn: Any,
    user: tuple[Any, ...],
    order_id: int,
    body: ReceiptCreate,
    key: str | None,
) -> dict[str, Any] | JSONResponse:
    q, now = driver.sql, driver.now()
    data = body.model_dump(mode="json")
    request_hash = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    if key is not None:
        stored = conn.execute(
            q("SELECT response FROM idempotency_records WHERE user_id = %s AND key = %s"),
            (user[0], key),
        ).fetchone()
        if stored is not None:
            return JSONResponse(stored[0], status_code=201)
    order = conn.execute(
        q("SELECT state, version, customer_id FROM orders WHERE id = %s"), (order_id,)
    ).fetchone()
    if order is None or order[0] != "shipped":
        return _problem(409, "the order is not shipped")
    shipped = {
        no: (line_id, item_id, qty, shipment_id)
        for no, line_id, item_id, qty, shipment_id in conn.execute(
            q(
                "SELECT l.line_no, l.id, l.item_id, s.quantity, s.shipment_id FROM order_lines l"
                " JOIN shipment_lines s ON s.order_line_id = l.id WHERE l.order_id = %s"
            ),
            (order_id,),
        )
    }
    clash = conn.execute(
        q("SELECT order_id FROM receipts WHERE customer_id = %s AND receipt_no = %s"),
        (order[2], body.receipt_no),
    ).fetchone()
    marks = ", ".join(["%s"] * len(body.evidence))
    found = conn.execute(
        q(f"SELECT count(*) FROM attachments WHERE id IN ({marks})"), body.evidence
    ).fetchone()[0]
    if clash is not None or found != len(set(body.evidence)):
        return _problem(409, "the receipt number is taken or an attachment is missing")
    received = {ln.line_no: ln.received_qty for ln in body.lines}
    if any(no not in shipped or qty > shipped[no][2] for no, qty in received.items()):
        return _problem(422, "a line does not fit the shipment")
    receipt_id = conn.execute(
        q(
            "INSERT INTO receipts (order_id, shipment_id, customer_id, receipt_no, receipt_date,"
            " note, posted_by, posted_at) VALUES (%s, %s, %s, %s, %s, '', %s, %s) RETURNING id"
        ),
        (
            order_id,
            next(iter(shipped.values()))[3],
            order[2],
            body.receipt_no,
            data["receipt_date"],
            user[1],
            now,
        ),
    ).fetchone()[0]
    cursor = conn.cursor()
    cursor.executemany(
        q(
            "INSERT INTO receipt_lines (receipt_id, order_line_id, received_item_id, received_qty)"
            " VALUES (%s, %s, %s, %s)"
        ),
        [(receipt_id, shipped[no][0], shipped[no][1], qty) for no, qty in received.items()],
    )
    cursor.executemany(
        q("INSERT INTO receipt_attachments (receipt_id, attachment_id) VALUES (%s, %s)"),
        [(receipt_id, attachment) for attachment in body.evidence],
    )
    cursor.executemany(
        q(
            "INSERT INTO receipt_exceptions (receipt_id, order_line_id, kind, expected_item_id,"
            " shipped_qty, received_qty, quantity, state, created_at)"
            " VALUES (%s, %s, 'shortage', %s, %s, %s, %s, 'open', %s)"
        ),
        [
            (receipt_id, line_id, item_id, qty, received[no], qty - received[no], now)
            for no, (line_id, item_id, qty, _) in shipped.items()
            if received.get(no, 0) < qty
        ],
    )
    updated = conn.execute(
        q(
            "UPDATE orders SET state = 'receipted', version = version + 1, updated_at = %s"
            " WHERE id = %s AND version = %s"
        ),
        (now, order_id, order[1]),
    )
    if updated.rowcount != 1:
        return _problem(409, "the order was changed at the same moment")
    conn.execute(
        q(
            'INSERT INTO events (entity_type, entity_id, "trigger", from_state, to_state, actor,'
            " occurred_at, payload, decisions) VALUES ('order', %s, 'post_receipt', 'shipped',"
            " 'receipted', %s, %s, %s, '[]')"
        ),
        (order_id, user[1], now, json.dumps(data)),
    )
    response = {"id": receipt_id, "order_id": order_id, **data}
    conn.execute(
        q(
            "INSERT INTO idempotency_records (user_id, key, method, path, request_hash,"
            " status_code, response, created_at) VALUES (%s, %s, 'POST', %s, %s, 201, %s, %s)"
        ),
        (user[0], key, f"/orders/{order_id}/receipt", request_hash, json.dumps(response), now),
    )
    return response


# --- servers, databases, clients ------------------------------------------------------------


def serve(variant: str, url: str, port: int) -> None:
    """Child process: run one of the two apps with the shared uvicorn settings."""
    if variant == "ours":
        from service.app import create_app

        settings = load_settings(database_url=url, demo=False, scheduler_enabled=False)
        app = create_app(settings)
    else:
        app = bare_app(url)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _conninfo(url: str) -> str:
    parsed = make_url(url)
    parts = {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "dbname": parsed.database,
    }
    return " ".join(f"{k}={v}" for k, v in parts.items() if v)


@contextmanager
def postgres(admin_url: str) -> Iterator[str]:
    name = f"o2c_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_conninfo(admin_url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def postgres_up(admin_url: str) -> bool:
    try:
        with psycopg.connect(_conninfo(admin_url), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def database_for(
    parser: argparse.ArgumentParser, url: str | None, folder: str, name: str
) -> AbstractContextManager[str] | None:
    """Where a benchmark runs: a SQLite file `name` in `folder` by default, or a temporary
    database on the PostgreSQL server `url` (dropped afterwards); None, said aloud, when no
    server answers there."""
    if url is None:
        return nullcontext(f"sqlite:///{Path(folder) / name}")
    if make_url(url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a PostgreSQL server (SQLite is the default)")
    if not postgres_up(url):
        print(f"no PostgreSQL server answers at {url}")
        return None
    return postgres(url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(variant: str, url: str) -> Iterator[tuple[int, int]]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", variant, "--url", url, "--port", str(port)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {variant} server did not start")
            time.sleep(0.1)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


@dataclass
class Result:
    rate: float
    p50: float
    p99: float
    failures: list[str]
    server_cpu_us: float | None = None  # the server process's CPU time per receipt
    booked: Booked | None = None


def cpu_seconds(pid: int) -> float | None:
    """User and system CPU time of a process so far (Linux; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, seeded: Seeded, first: int, count: int, clients: int) -> Result:
    """Post one receipt for each of orders[first:first+count] from `clients` threads."""
    jobs = list(range(first, first + count))
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(share: list[int]) -> None:
        # http.client keeps the client's own CPU cost per request small (2 cores are shared).
        http = HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        for n in share:
            order = seeded.orders[n]
            body = {
                "receipt_no": f"RK-{n}",
                "receipt_date": seeded.receipt_date.isoformat(),
                "lines": [
                    {"line_no": 1, "received_qty": 9 if n % 10 == 0 else 10},
                    {"line_no": 2, "received_qty": 5},
                ],
                "evidence": [order.attachment_id],
            }
            headers = {
                "Authorization": f"Bearer {seeded.token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"bench-{n}",
            }
            started = time.perf_counter()
            http.request("POST", f"/orders/{order.id}/receipt", json.dumps(body), headers)
            response = http.getresponse()
            text = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != 201:
                bad.append(f"{response.status} {text[:200]!r}")
        http.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    threads = [threading.Thread(target=client, args=(jobs[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return Result(
        count / elapsed,
        latencies[len(latencies) // 2] * 1000,
        latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        failures,
    )


# What each receipt booked, by natural keys (ids may differ between databases): its lines, its
# exceptions (R8) and its evidence links. Ours and bare must book the very same.
BOOK = {
    "lines": (
        "SELECT r.receipt_no, o.company_order_no, l.line_no, i.code, rl.received_qty"
        " FROM receipt_lines rl JOIN receipts r ON r.id = rl.receipt_id"
        " JOIN orders o ON o.id = r.order_id JOIN order_lines l ON l.id = rl.order_line_id"
        " JOIN items i ON i.id = rl.received_item_id"
    ),
    "exceptions": (
        "SELECT r.receipt_no, l.line_no, e.kind, i.code, e.shipped_qty, e.received_qty,"
        " e.quantity, e.state FROM receipt_exceptions e JOIN receipts r ON r.id = e.receipt_id"
        " JOIN order_lines l ON l.id = e.order_line_id JOIN items i ON i.id = e.expected_item_id"
    ),
    "evidence": (
        "SELECT r.receipt_no, a.sha256 FROM receipt_attachments ra"
        " JOIN receipts r ON r.id = ra.receipt_id JOIN attachments a ON a.id = ra.attachment_id"
    ),
}


@dataclass
class Booked:
    """What a run left in its database: counts that are off, and the receipts' rows."""

    wrong: dict[str, int]
    rows: dict[str, list[tuple[Any, ...]]]


def check(url: str, receipts: int) -> Booked:
    """One receipt, journal row and idempotency record per request, two lines each, one
    evidence link each, a shortage on every tenth order; or the bench is wrong."""
    shortages = len(range(0, receipts, 10))
    queries = {
        "receipts": ("SELECT count(*) FROM receipts", receipts),
        "journal": ("SELECT count(*) FROM events WHERE \"trigger\" = 'post_receipt'", receipts),
        "idempotency": ("SELECT count(*) FROM idempotency_records", receipts),
        "receipted": (
            "SELECT count(*) FROM orders WHERE state = 'receipted' AND version = 4",
            receipts,
        ),
        "lines": ("SELECT count(*) FROM receipt_lines", 2 * receipts),
        "exceptions": ("SELECT count(*) FROM receipt_exceptions", shortages),
        "evidence": ("SELECT count(*) FROM receipt_attachments", receipts),
    }
    db = Database(url)
    with db.engine.connect() as conn:
        found = {k: int(conn.exec_driver_sql(q).scalar_one()) for k, (q, _) in queries.items()}
        rows = {k: sorted(tuple(r) for r in conn.exec_driver_sql(q)) for k, q in BOOK.items()}
    db.dispose()
    return Booked({k: v for k, v in found.items() if v != queries[k][1]}, rows)


def differences(ours: Booked, bare: Booked) -> list[str]:
    """Where ours and bare booked differently in one round."""
    return [
        f"{kind}: ours {len(ours.rows[kind])} rows, bare {len(bare.rows[kind])}, "
        f"{len(set(ours.rows[kind]) ^ set(bare.rows[kind]))} differ"
        for kind in BOOK
        if ours.rows[kind] != bare.rows[kind]
    ]


def measure(
    variant: str,
    database: Callable[[], AbstractContextManager[str]],
    args: argparse.Namespace,
) -> Result:
    """One run of one server on a fresh database: warm up, measure, check what was booked."""
    warmup = max(20, args.receipts // 20)
    with database() as url:
        db = Database(url)
        upgrade(db)
        today = business_date(load_settings(database_url=url).tz)
        seeded = seed(db, warmup + args.receipts, today=today, attachments=True)
        db.dispose()
        with server(variant, url) as (port, pid):
            load(port, seeded, 0, warmup, args.clients)
            before = cpu_seconds(pid)
            result = load(port, seeded, warmup, args.receipts, args.clients)
            after = cpu_seconds(pid)
        if before is not None and after is not None:
            result.server_cpu_us = (after - before) / args.receipts * 1e6
        result.booked = check(url, warmup + args.receipts)
    if result.booked.wrong:
        result.failures.append(
            f"database holds {result.booked.wrong}, expected for {warmup + args.receipts} receipts"
        )
    return result


def run(
    name: str, database: Callable[[], AbstractContextManager[str]], args: argparse.Namespace
) -> list[Result]:
    """`--rounds` rounds of both servers, ours first in odd rounds and bare first in even ones (so
    neither always meets the machine warmer or busier); the verdict is the median of the rounds'
    ratios of server CPU per receipt, so a burst of load from elsewhere moves one round, not the
    result. Ours and bare must book the same rows in each round."""
    ratios: list[float] = []
    results: list[Result] = []
    for round_no in range(1, args.rounds + 1):
        order = ("ours", "bare") if round_no % 2 else ("bare", "ours")
        pair = {variant: measure(variant, database, args) for variant in order}
        for variant, result in pair.items():
            results.append(result)
            _print(name, round_no, variant, result)
        ours, bare = pair["ours"], pair["bare"]
        if ours.booked is not None and bare.booked is not None:
            differ = [f"ours and bare differ: {d}" for d in differences(ours.booked, bare.booked)]
            ours.failures.extend(differ)
            for failure in differ:
                print(f"              {failure}")
        cpu = ""
        if ours.server_cpu_us is not None and bare.server_cpu_us:
            ratios.append(ours.server_cpu_us / bare.server_cpu_us)
            cpu = f"server CPU per receipt ours/bare {ratios[-1]:5.2f}×   "
        print(
            f"{name:<10} {round_no}  {cpu}throughput ours/bare {ours.rate / bare.rate:6.1%}",
            flush=True,
        )
    if not ratios:
        print(f"{name:<10} no server CPU measured (Linux /proc needed): no verdict", flush=True)
        return results
    ratio = statistics.median(ratios)
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(
        f"{name:<10} median server CPU per receipt ours/bare {ratio:5.2f}× over {len(ratios)} "
        f"round(s)   (target at most {TARGET:.2f}×: {verdict})",
        flush=True,
    )
    return results


def _print(name: str, round_no: int, variant: str, result: Result) -> None:
    cpu = "" if result.server_cpu_us is None else f"{result.server_cpu_us:6,.0f} µs"
    print(
        f"{name:<10} {round_no}  {variant:<4} {result.rate:8,.0f} receipts/s   "
        f"p50 {result.p50:7.1f} ms   p99 {result.p99:7.1f} ms   "
        f"server CPU/receipt {cpu}   failures {len(result.failures)}",
        flush=True,
    )
    for failure in result.failures[:3]:
        print(f"              {failure}")


# --- throughput of `o2c serve --workers N` ----------------------------------------------------


def tree_cpu_seconds(pid: int) -> float | None:
    """CPU time of a process and its live children (uvicorn's supervisor and its workers)."""
    total = cpu_seconds(pid)
    if total is None:
        return None
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        for child in task.read_text().split():
            total += cpu_seconds(int(child)) or 0.0
    return total


@contextmanager
def fleet(url: str, workers: int) -> Iterator[tuple[int, int]]:
    """`o2c serve --workers N` as deployed (its request log line included, sent nowhere), the
    scheduler off."""
    port = free_port()
    env = {
        **os.environ,
        "O2C_DATABASE_URL": url,
        "O2C_SCHEDULER_ENABLED": "false",
        "O2C_DEMO": "false",
    }
    command = [str(Path(sys.executable).with_name("o2c")), "serve", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--workers", str(workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"o2c serve --workers {workers} did not start")
            time.sleep(0.2)
        yield port, process.pid
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure_fleet(workers: int, admin_url: str, args: argparse.Namespace) -> Result:
    """One run of `o2c serve --workers N` on a fresh PostgreSQL database."""
    warmup = max(20 * workers, args.receipts // 20)
    with postgres(admin_url) as url:
        db = Database(url)
        upgrade(db)
        today = business_date(load_settings(database_url=url).tz)
        seeded = seed(db, warmup + args.receipts, today=today, attachments=True)
        db.dispose()
        with fleet(url, workers) as (port, pid):
            load(port, seeded, 0, warmup, args.clients)
            before = tree_cpu_seconds(pid)
            result = load(port, seeded, warmup, args.receipts, args.clients)
            after = tree_cpu_seconds(pid)
        if before is not None and after is not None:
            result.server_cpu_us = (after - before) / args.receipts * 1e6
        result.booked = check(url, warmup + args.receipts)
    if result.booked.wrong:
        result.failures.append(f"database holds {result.booked.wrong}")
    return result


def run_fleet(args: argparse.Namespace) -> bool:
    """`--rounds` rounds over the worker counts (in reverse order every other round); prints each
    run and the median receipts/second per count. True when all went right."""
    counts = [int(n) for n in args.workers.split(",")]
    rates: dict[int, list[float]] = {n: [] for n in counts}
    cpus: dict[int, list[float]] = {n: [] for n in counts}
    failed = False
    for round_no in range(1, args.rounds + 1):
        for workers in counts if round_no % 2 else counts[::-1]:
            result = measure_fleet(workers, args.pg_url, args)
            rates[workers].append(result.rate)
            if result.server_cpu_us is not None:
                cpus[workers].append(result.server_cpu_us)
            failed |= bool(result.failures)
            _print("postgresql", round_no, f"{workers}w", result)
    one = statistics.median(rates[counts[0]])
    for workers in counts:
        rate = statistics.median(rates[workers])
        cpu = f"{statistics.median(cpus[workers]):6,.0f} µs" if cpus[workers] else "unknown"
        print(
            f"postgresql workers {workers}: median {rate:6,.0f} receipts/s over "
            f"{len(rates[workers])} round(s)   ({rate / one:4.2f}× {counts[0]} worker(s))   "
            f"server CPU/receipt {cpu}",
            flush=True,
        )
    return not failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--receipts", type=int, default=2000, help="measured requests per run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--rounds", type=int, default=5, help="rounds of ours then bare")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one database only")
    parser.add_argument("--pg-url", default=PG_URL, help="PostgreSQL server (admin connection)")
    parser.add_argument(
        "--workers",
        help="instead: throughput of `o2c serve --workers N` on PostgreSQL for each N of a list "
        "such as 1,2,4 (no bare server)",
    )
    parser.add_argument("--serve", choices=("ours", "bare"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.url, args.port)
        return 0
    print(f"{args.receipts:,} receipts per run from {args.clients} clients, after a warm-up")
    if args.workers:
        if not postgres_up(args.pg_url):
            parser.error(f"--workers needs PostgreSQL: no server answers at {args.pg_url}")
        return 0 if run_fleet(args) else 1
    failed = False
    with tempfile.TemporaryDirectory(prefix="o2c-bench-http-") as tmp:

        def sqlite_file() -> AbstractContextManager[str]:
            return nullcontext(f"sqlite:///{Path(tmp) / f'{uuid.uuid4().hex[:8]}.sqlite3'}")

        if args.only in (None, "sqlite"):
            results = run("sqlite", sqlite_file, args)
            failed |= any(r.failures for r in results)
    if args.only in (None, "postgresql"):
        if postgres_up(args.pg_url):
            results = run("postgresql", lambda: postgres(args.pg_url), args)
            failed |= any(r.failures for r in results)
        else:
            print(f"postgresql skipped: no server answers at {args.pg_url} (see --pg-url)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
