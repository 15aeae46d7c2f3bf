"""Benchmark: receipt exceptions (R8) over HTTP, against a plain read of the same size.

Run with `python bench/bench_receipt_exceptions.py [--exceptions N] [--rounds N]
[--database-url URL]`. A fresh SQLite file (or, with `--database-url`, a temporary database on
that PostgreSQL server, created and dropped) is migrated and seeded set-based with shipped orders
(bench/seed.py); the signed receipts of `--exceptions` of them are posted with shortages through
the posting use case in this process (the API's own, in chunks), so that many exceptions are open
(1 or 2 per receipt: 1 to 6 pieces short on line 1, every third receipt also 1 short on line 2;
the receipt_exception rules decide each distinct case once). The real app
(`service.app.create_app`) then runs under uvicorn in a thread of this process and, on one
keep-alive connection, after a short warm-up, `--rounds` rounds, each in another order:

- post: POST /orders/{id}/receipt of a fresh shipped order, short as above (its exceptions
  decided by the rules, journaled with their decisions);
- list: GET /receipt-exceptions?status=open&limit=50&offset=<somewhere among them>;
- work: POST /receipt-exceptions/{id}/redeliver and POST …/redelivery (the follow-up delivery's
  signed receipt, its quantity carried forward to the next invoice) of the oldest open one, the
  sum of the two;
- baseline: GET /orders?customer_code=<the customer>&limit=50, a plain authenticated read.

Every answer is checked (status, states, the exceptions found, the list's rows in order and
open); afterwards the exceptions left open and the carry-forwards are counted against what the
rounds did. It prints median and p95 of each and its ratio to the baseline; a wrong answer exits
non-zero.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from http.client import HTTPConnection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.bench_pages import serving
from bench.bench_receipts_http import database_for
from bench.bench_returns import Client, Timing, Wrong, report, upload, want
from bench.seed import CUSTOMER, Seeded, seed
from service import bootstrap
from service.clock import business_date
from service.db import Database
from service.invoices.models import CarryForward
from service.migrate import upgrade
from service.receipts import posting
from service.receipts.importer import importing_actor
from service.receipts.models import ReceiptException
from service.receipts.schemas import ReceiptCreate
from service.settings import load_settings

PAGE = 50
WARMUP = 5
CHUNK = 200


@dataclass
class World:
    today: date
    seeded: Seeded
    scan_id: int
    open_ids: list[int]  # the exceptions open after seeding, oldest first
    short: dict[int, int]  # their quantities
    fresh: list[int]  # shipped orders left for the rounds' posts


def lines_of(n: int) -> list[dict[str, int]]:
    """The receipt of the n-th order: 1 to 6 short on line 1, every third also 1 on line 2."""
    return [
        {"line_no": 1, "received_qty": 4 + n % 6},
        {"line_no": 2, "received_qty": 4 if n % 3 == 0 else 5},
    ]


def found(n: int) -> int:
    return 2 if n % 3 == 0 else 1


def post_in_process(db: Database, seeded: Seeded, count: int, scan_id: int) -> float:
    """The first `count` orders' receipts with shortages, through the posting use case."""
    settings = load_settings(database_url=str(db.engine.url))
    runtime = bootstrap.runtime(settings, db)
    with db.read() as session:
        ctx = runtime.for_actor(importing_actor(session, seeded.username, runtime))
    started = time.perf_counter()
    for start in range(0, count, CHUNK):
        with db.write() as session:
            for n in range(start, min(count, start + CHUNK)):
                order = seeded.orders[n]
                data = ReceiptCreate.model_validate(
                    {
                        "receipt_no": f"RK-S-{order.id}",
                        "receipt_date": str(seeded.receipt_date),
                        "lines": lines_of(n),
                        "evidence": [scan_id],
                    }
                )
                posted = posting.post(session, ctx, order_id=order.id, data=data)
                if len(posted.exceptions) != found(n):
                    raise Wrong(f"order {order.id}: {len(posted.exceptions)} exceptions found")
    return time.perf_counter() - started


def open_exceptions(db: Database) -> dict[int, int]:
    opened = bootstrap.workflows().tagged(ReceiptException, "open")
    with db.read() as session:
        rows = session.execute(
            select(ReceiptException.id, ReceiptException.quantity)
            .where(ReceiptException.state.in_(opened))
            .order_by(ReceiptException.id)
        ).all()
    return {int(i): int(q) for i, q in rows}


def prepare(db: Database, args: argparse.Namespace, client: Client) -> World:
    url = str(db.engine.url)
    today = business_date(load_settings(database_url=url).tz)
    started = time.perf_counter()
    seeded = seed(db, args.exceptions + WARMUP + args.rounds, today=today)
    client.tokens["logistics"] = seeded.token
    print(f"seeded {len(seeded.orders):,} shipped orders in {time.perf_counter() - started:.1f} s")
    scan = upload(client, "logistics", "bench-exception-scan")
    client.http.close()  # idle past the server's keep-alive while posting: reconnect
    spent = post_in_process(db, seeded, args.exceptions, scan)
    short = open_exceptions(db)
    print(
        f"{args.exceptions:,} receipts posted with {len(short):,} open exceptions in "
        f"{spent:.1f} s (the posting use case, in process)",
        flush=True,
    )
    fresh = [o.id for o in seeded.orders[args.exceptions :]]
    return World(today, seeded, scan, list(short), short, fresh)


def operations() -> list[Timing]:
    return [
        Timing("post", "POST /orders/{id}/receipt (short)"),
        Timing("list", f"GET /receipt-exceptions ?status=open limit={PAGE}"),
        Timing("work", "redeliver→redelivery"),
        Timing("baseline", f"GET /orders ?customer_code= limit={PAGE}"),
    ]


def measure(client: Client, world: World, args: argparse.Namespace) -> tuple[list[Timing], int]:
    """The rounds; the exceptions the posts found."""
    timings = {t.name: t for t in operations()}
    posted_exceptions = 0
    worked: list[int] = []

    def post(n: int, timed: bool) -> None:
        nonlocal posted_exceptions
        order_id = world.fresh[n]
        body = {
            "receipt_no": f"RK-B-{order_id}",
            "receipt_date": str(world.seeded.receipt_date),
            "lines": lines_of(n),
            "evidence": [world.scan_id],
        }
        answer, spent = client.expect(201, "logistics", "POST", f"/orders/{order_id}/receipt", body)
        exceptions = answer["exceptions"]
        want(len(exceptions) == found(n), f"receipt of {order_id}: {len(exceptions)} exceptions")
        want(all(e["kind"] == "shortage" for e in exceptions), "a shortage not found as one")
        posted_exceptions += len(exceptions)
        if timed:
            timings["post"].latencies.append(spent)

    def listed(n: int, timed: bool) -> None:
        offset = (n * 7919) % (args.exceptions - PAGE - WARMUP - args.rounds)
        answer, spent = client.expect(
            200,
            "logistics",
            "GET",
            f"/receipt-exceptions?status=open&limit={PAGE}&offset={offset}",
        )
        ids = [int(e["id"]) for e in answer]
        want(len(ids) == PAGE and ids == sorted(ids), f"list at {offset}: {ids[:3]}…")
        want(not set(ids) & set(worked), "a worked exception listed as open")
        want(
            all(e["state"] == "open" and e["proposed_path"] == "redeliver" for e in answer),
            "the list: not open, or not proposed for re-delivery",
        )
        if timed:
            timings["list"].latencies.append(spent)

    def work(n: int, timed: bool) -> None:
        exc_id = world.open_ids[n]
        path = f"/receipt-exceptions/{exc_id}"
        taken, a = client.expect(200, "logistics", "POST", f"{path}/redeliver")
        want(taken["state"] == "redelivering", f"exception {exc_id}: {taken['state']}")
        body = {
            "shipped_on": str(world.seeded.receipt_date),
            "waybill_no": f"BWB-{exc_id}",
            "receipt_no": f"BRK-{exc_id}",
            "receipt_date": str(world.today),
            "quantity": world.short[exc_id],
            "scan_id": world.scan_id,
        }
        done, b = client.expect(200, "logistics", "POST", f"{path}/redelivery", body)
        want(done["state"] == "redelivered", f"exception {exc_id}: {done['state']}")
        want(done["redelivered_qty"] == world.short[exc_id], f"exception {exc_id}: quantity")
        worked.append(exc_id)
        if timed:
            timings["work"].latencies.append(a + b)

    def baseline(n: int, timed: bool) -> None:
        answer, spent = client.expect(
            200, "logistics", "GET", f"/orders?customer_code={CUSTOMER}&limit={PAGE}"
        )
        want(len(answer) == PAGE, f"orders: {len(answer)} rows")
        if timed:
            timings["baseline"].latencies.append(spent)

    steps = [post, listed, work, baseline]
    for n in range(WARMUP + args.rounds):
        timed = n >= WARMUP
        for step in steps[n % len(steps) :] + steps[: n % len(steps)]:
            step(n, timed)
    return list(timings.values()), posted_exceptions


def counted(db: Database, world: World, rounds: int, posted: int) -> list[str]:
    """What the rounds must have left: open exceptions and one carry-forward per worked one."""
    wrong = []
    still_open = len(open_exceptions(db))
    expected = len(world.open_ids) - rounds + posted
    if still_open != expected:
        wrong.append(f"{still_open:,} exceptions open, expected {expected:,}")
    worked = world.open_ids[:rounds]
    with db.read() as session:
        carried = session.execute(
            select(
                CarryForward.source_receipt_exception_id,
                func.count(),
                func.sum(CarryForward.quantity),
            )
            .where(CarryForward.source_receipt_exception_id.is_not(None))
            .group_by(CarryForward.source_receipt_exception_id)
        ).all()
    by_exception = {int(e or 0): (int(c), int(q)) for e, c, q in carried}
    if sorted(by_exception) != sorted(worked):
        wrong.append(f"{len(by_exception)} exceptions carried forward, {len(worked)} worked")
    for exc_id in worked:
        if by_exception.get(exc_id) != (1, world.short[exc_id]):
            wrong.append(f"exception {exc_id}: carried {by_exception.get(exc_id)}")
    return wrong


def run(database: AbstractContextManager[str], args: argparse.Namespace) -> bool:
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            with serving(url) as port:
                http = HTTPConnection("127.0.0.1", port, timeout=120)
                client = Client(http, {})
                try:
                    world = prepare(db, args, client)
                    print(
                        f"{len(world.open_ids):,} open exceptions on "
                        f"{make_url(url).get_backend_name()}; {WARMUP} warm-up and "
                        f"{args.rounds} timed rounds, one connection",
                        flush=True,
                    )
                    started = time.perf_counter()
                    timings, posted = measure(client, world, args)
                    print(f"measured in {time.perf_counter() - started:.1f} s")
                except Wrong as refused:
                    print(f"WRONG ANSWER: {refused}")
                    return False
                finally:
                    http.close()
            report(timings)
            wrong = counted(db, world, WARMUP + args.rounds, posted)
        finally:
            db.dispose()
    for line in wrong[:10]:
        print(f"WRONG: {line}")
    if not wrong:
        print("exceptions left open and carry-forwards (one per worked exception) as expected")
    return not wrong


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--exceptions", type=int, default=3000, help="receipts posted short before (3,000)"
    )
    parser.add_argument("--rounds", type=int, default=60, help="timed rounds (60)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (admin connection) to run on instead of a SQLite file: a "
        "temporary database is created there and dropped",
    )
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if args.exceptions < 2 * (PAGE + WARMUP + args.rounds):
        parser.error(f"--exceptions must be at least {2 * (PAGE + WARMUP + args.rounds)}")
    with tempfile.TemporaryDirectory(prefix="o2c-bench-exceptions-") as tmp:
        database = database_for(parser, args.database_url, tmp, "exceptions.sqlite3")
        if database is None:
            return 1
        right = run(database, args)
    if not right:
        print("WRONG ANSWERS: see above")
    return 0 if right else 1


if __name__ == "__main__":
    sys.exit(main())
