"""Benchmark: the collection job (R30-R31) against the bare SQL selecting the overdue items.

Run with `python bench/bench_collection.py [--invoices N[,N...]] [--customers N] [--rounds N]
[--database-url URL]`. For each size a fresh SQLite file (or, with `--database-url`, a temporary
database on that PostgreSQL server, created and dropped) is migrated and seeded set-based
(bench/seed_collection.py): `--customers` customers and N open invoices, one in ten past due,
with their stored balances; statistics gathered. The business day is today.

Then:

- bare: one hand-written query selecting the open invoices past due (`outstanding <> 0 AND
  due_date < today`), its rows fetched; the median of `--rounds` rounds;
- first: the collection job as `o2c scheduler run-once` runs it for this morning (the three
  conditions scanned, the rules decided per distinct combination of facts, the tasks raised and
  journalled), once;
- again: the job once more the same day (nothing new), the median of `--rounds` rounds.

The answers are checked: one overdue task per customer with something past due, none raised
again. It prints the times and the ratios first/bare (target: within 2x) and again/first
(target: under 10%); a wrong answer exits non-zero.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.bench_receipts_http import database_for
from bench.seed_collection import seed_collection
from service import bootstrap
from service.clock import business_date
from service.collection.job import JOB
from service.collection.models import CollectionTask
from service.db import Database
from service.migrate import upgrade
from service.rulesets.registry import process_rules
from service.scheduler.runner import run_due
from service.settings import Settings, load_settings

SIZES = "100000"
FIRST_TARGET, AGAIN_TARGET = 2.0, 0.10
BARE = text(
    "SELECT id, customer_id, outstanding, due_date FROM invoices "
    "WHERE outstanding <> 0 AND due_date < :today"
)


class Wrong(Exception):
    """An answer that is not what it must be."""


def bare(db: Database, today: date) -> tuple[float, set[int]]:
    started = time.perf_counter()
    with db.engine.connect() as conn:
        rows = conn.execute(BARE, {"today": today}).all()
    return time.perf_counter() - started, {row[1] for row in rows}


WORKFLOWS = bootstrap.workflows()


def job(db: Database, settings: Settings, today: date) -> tuple[float, int]:
    as_of = datetime.combine(today, clock(7), tzinfo=settings.tz)
    workflows = WORKFLOWS
    started = time.perf_counter()
    [result] = run_due(
        db,
        jobs={JOB: bootstrap.jobs()[JOB]},
        workflows=workflows,
        as_of=as_of,
        tz=settings.tz,
        settings=settings,
    )
    return time.perf_counter() - started, len(result.raised)


def one_size(
    parser: argparse.ArgumentParser, args: argparse.Namespace, size: int, folder: str
) -> tuple[int, float, float, float] | None:
    database = database_for(parser, args.database_url, folder, f"collection-{size}.sqlite3")
    if database is None:
        return None
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            settings = load_settings(database_url=url)
            today = business_date(settings.tz)
            started = time.perf_counter()
            seed_collection(db, size, args.customers, today=today)
            print(
                f"{size:,} open invoices of {args.customers:,} customers on "
                f"{make_url(url).get_backend_name()} seeded in "
                f"{time.perf_counter() - started:.1f} s; business day {today}",
                flush=True,
            )
            bare_times: list[float] = []
            overdue: set[int] = set()
            for _ in range(args.rounds):
                took, overdue = bare(db, today)
                bare_times.append(took)
            # The process's rules are loaded once, as in a running scheduler.
            process_rules(settings)
            first, raised = job(db, settings, today)
            with db.engine.connect() as conn:
                tasks = conn.execute(
                    select(func.count()).where(CollectionTask.condition == "overdue")
                ).scalar_one()
            if tasks != len(overdue):
                raise Wrong(f"{tasks} overdue tasks for {len(overdue)} customers past due")
            again_times = []
            for _ in range(args.rounds):
                took, more = job(db, settings, today)
                if more:
                    raise Wrong(f"a second run the same day raised {more} task(s)")
                again_times.append(took)
            median_bare, median_again = (
                statistics.median(bare_times),
                statistics.median(again_times),
            )
            print(
                f"  bare {median_bare * 1000:.0f} ms ({len(overdue):,} customers past due); "
                f"first run {first * 1000:.0f} ms ({raised:,} tasks raised); again "
                f"{median_again * 1000:.0f} ms",
                flush=True,
            )
            return size, median_bare, first, median_again
        finally:
            db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", default=SIZES, help=f"open invoice counts ({SIZES})")
    parser.add_argument("--customers", type=int, default=2000, help="customers (2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (3)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (admin connection) to run on instead of a SQLite file: a "
        "temporary database is created there and dropped",
    )
    args = parser.parse_args()
    try:
        sizes = [int(n.replace("_", "")) for n in args.invoices.split(",")]
    except ValueError:
        parser.error("--invoices must be whole numbers separated by commas")
    if any(n < args.customers for n in sizes) or args.customers < 1 or args.rounds < 1:
        parser.error("--invoices must each be at least --customers; --rounds at least 1")
    results = []
    with tempfile.TemporaryDirectory(prefix="o2c-bench-collection-") as tmp:
        for size in sizes:
            try:
                found = one_size(parser, args, size, tmp)
            except Wrong as wrong:
                print(f"WRONG ANSWER: {wrong}")
                return 1
            if found is None:
                return 1
            results.append(found)
    backend = "postgresql" if args.database_url else "sqlite"
    print(
        f"\n{backend}: {'invoices':>9} {'bare':>8} {'first':>8} {'first/bare':>10} "
        f"{'again':>8} {'again/first':>11}"
    )
    for size, b, f, a in results:
        print(
            f"{'':<{len(backend)}}  {size:>9,} {b * 1000:>5.0f} ms {f * 1000:>5.0f} ms "
            f"{f / b:>10.2f} {a * 1000:>5.0f} ms {a / f:>11.1%}"
        )
    first_met = all(f / b <= FIRST_TARGET for _s, b, f, _a in results)
    again_met = all(a / f < AGAIN_TARGET for _s, _b, f, a in results)
    print(
        f"target: the first run within {FIRST_TARGET}x of the bare query: "
        f"{'met' if first_met else 'NOT met'}; a second run the same day under "
        f"{AGAIN_TARGET:.0%} of the first: {'met' if again_met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
