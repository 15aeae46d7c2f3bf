"""Benchmark: the receivables ageing (R30) against one bare `GROUP BY customer, bucket` query.

Run with `python bench/bench_ageing.py [--invoices N[,N...]] [--customers N] [--rounds N]
[--database-url URL]`. For each size a fresh SQLite file (or, with `--database-url`, a temporary
database on that PostgreSQL server, created and dropped) is migrated and seeded set-based
(bench/seed_ageing.py): `--customers` customers and N open invoices received over 400 days, with
their stored balances; statistics gathered. The business day is today.

Then `--rounds` rounds, the order alternating, each:

- bare: one hand-written SQL query over the open invoices (`outstanding <> 0`) grouping them
  by customer and bucket (the same CASE of dates), its rows fetched;
- ageing: the service's ageing by due date as the API answers it (`service.receivables.ageing`,
  the buckets of the default setting): its GROUP BY, the customers with their unapplied credit,
  the rows and totals built;
- receipt: the same by receipt date, for reference.

The answers are checked every round: each customer's buckets equal the bare query's, and add up
to the outstanding its stored balance says; the totals to the sum of all. It prints the medians
and the ratio ageing/bare (target: within 1.5x); a wrong answer exits non-zero.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from bench.bench_receipts_http import database_for
from bench.seed_ageing import SeededAgeing, seed_ageing
from service.clock import business_date
from service.db import Database
from service.migrate import upgrade
from service.receivables.ageing import Buckets, ageing
from service.receivables.schemas import AgeingOut
from service.settings import load_settings

SIZES = "100000"
TARGET = 1.5


class Wrong(Exception):
    """An answer that is not what it must be."""


def want(condition: bool, what: str) -> None:
    if not condition:
        raise Wrong(what)


def bare_sql(buckets: Buckets) -> tuple[str, dict[str, Any]]:
    """The GROUP BY written by hand: the bucket a CASE over the due date and the days each
    bound falls on, the same as the service's."""
    whens = ["WHEN due_date IS NULL THEN :undated"]
    params: dict[str, Any] = {"undated": len(buckets.dated)}
    for i, bucket in enumerate(buckets.dated[:-1]):
        assert bucket.high is not None
        whens.append(f"WHEN due_date >= :edge{i} THEN {i}")
        params[f"edge{i}"] = buckets.as_of - timedelta(days=bucket.high)
    case = f"CASE {' '.join(whens)} ELSE {len(buckets.dated) - 1} END"
    sql = (
        f"SELECT customer_id, {case} AS bucket, sum(outstanding), count(*) "
        "FROM invoices WHERE outstanding <> 0 GROUP BY 1, 2"
    )
    return sql, params


@dataclass
class Timings:
    bare: list[float] = field(default_factory=list)
    ageing: list[float] = field(default_factory=list)
    receipt: list[float] = field(default_factory=list)

    @staticmethod
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000


@dataclass
class Outcome:
    invoices: int
    customers: int
    timings: Timings

    @property
    def ratio(self) -> float:
        return Timings.ms(self.timings.ageing) / Timings.ms(self.timings.bare)


def _fen(value: Any, sqlite: bool) -> Decimal:
    """A sum of money as the bare driver gives it: fen on SQLite (stored scaled), yuan else."""
    return Decimal(value) / 100 if sqlite else Decimal(value)


def check(session: Session, report: AgeingOut, bare: list[Any], seeded: SeededAgeing) -> None:
    sqlite = session.get_bind().dialect.name == "sqlite"
    codes = [b.code for b in report.buckets]
    by_id: dict[int, str] = dict(session.execute(text("SELECT id, code FROM customers")).all())
    expected: dict[str, dict[str, Decimal]] = {}
    for customer_id, bucket, amount, _count in bare:
        expected.setdefault(by_id[customer_id], {})[codes[bucket]] = _fen(amount, sqlite)
    stored = {
        by_id[c]: (_fen(o, sqlite), _fen(u, sqlite))
        for c, o, u in session.execute(
            text("SELECT customer_id, outstanding, unapplied FROM ar_balances")
        )
    }
    want(len(report.customers) == len(stored), f"{len(report.customers)} rows, {len(stored)}")
    for row in report.customers:
        got = {c: a for c, a in row.buckets.items() if a}
        want(got == expected.get(row.customer_code, {}), f"{row.customer_code}: buckets differ")
        outstanding, unapplied = stored[row.customer_code]
        want(row.outstanding == outstanding, f"{row.customer_code}: outstanding ≠ stored")
        want(row.unapplied == unapplied, f"{row.customer_code}: unapplied ≠ stored")
    want(report.totals.outstanding == seeded.outstanding, "the totals ≠ the outstanding seeded")
    want(sum(report.totals.buckets.values()) == seeded.outstanding, "the buckets ≠ the totals")


def _timed(work: Callable[[], Any], into: list[float]) -> Any:
    started = time.perf_counter()
    answer = work()
    into.append(time.perf_counter() - started)
    return answer


def measure(db: Database, seeded: SeededAgeing, today: date, rounds: int) -> Outcome:
    edges = load_settings(database_url="sqlite://").ageing_buckets
    by_due = Buckets.of("due", today, edges)
    by_receipt = Buckets.of("receipt", today, edges)
    sql, params = bare_sql(by_due)
    timings = Timings()
    with db.read() as session:
        session.execute(text(sql), params).all()  # the caches warm, for both alike
        for n in range(rounds):
            report: AgeingOut | None = None
            bare: list[Any] = []
            steps = ["bare", "ageing"] if n % 2 == 0 else ["ageing", "bare"]
            for step in steps:
                if step == "bare":
                    bare = _timed(lambda: session.execute(text(sql), params).all(), timings.bare)
                else:
                    report = _timed(lambda: ageing(session, by_due), timings.ageing)
            _timed(lambda: ageing(session, by_receipt), timings.receipt)
            assert report is not None
            check(session, report, bare, seeded)
            print(
                f"  round {n + 1}: bare {timings.bare[-1] * 1000:.0f} ms, ageing "
                f"{timings.ageing[-1] * 1000:.0f} ms, by receipt {timings.receipt[-1] * 1000:.0f}"
                " ms",
                flush=True,
            )
    return Outcome(seeded.invoices, seeded.customers, timings)


def one_size(
    parser: argparse.ArgumentParser, args: argparse.Namespace, size: int, folder: str
) -> Outcome | None:
    database = database_for(parser, args.database_url, folder, f"ageing-{size}.sqlite3")
    if database is None:
        return None
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            today = business_date(load_settings(database_url=url).tz)
            started = time.perf_counter()
            seeded = seed_ageing(db, size, args.customers, today=today)
            print(
                f"{size:,} open invoices of {args.customers:,} customers on "
                f"{make_url(url).get_backend_name()} seeded in "
                f"{time.perf_counter() - started:.1f} s; business day {today}",
                flush=True,
            )
            return measure(db, seeded, today, args.rounds)
        finally:
            db.dispose()


def report(backend: str, outcomes: list[Outcome]) -> None:
    print(
        f"\n{backend}: {'invoices':>9} {'customers':>9} {'bare':>9} {'ageing':>9} "
        f"{'ageing/bare':>11} {'by receipt':>10}"
    )
    for o in outcomes:
        t = o.timings
        print(
            f"{'':<{len(backend)}}  {o.invoices:>9,} {o.customers:>9,} "
            f"{Timings.ms(t.bare):>6.0f} ms {Timings.ms(t.ageing):>6.0f} ms {o.ratio:>11.2f} "
            f"{Timings.ms(t.receipt):>7.0f} ms"
        )
    met = all(o.ratio <= TARGET for o in outcomes)
    print(f"target: the ageing within {TARGET}x of the bare query: {'met' if met else 'NOT met'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--invoices",
        default=SIZES,
        help=f"open invoice counts, comma-separated, one fresh database each ({SIZES})",
    )
    parser.add_argument("--customers", type=int, default=2000, help="customers (2,000)")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds per size (5)")
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
    if any(n < args.customers for n in sizes) or args.customers < 1:
        parser.error("--invoices must each be at least --customers (at least 1)")
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="o2c-bench-ageing-") as tmp:
        for size in sizes:
            try:
                outcome = one_size(parser, args, size, tmp)
            except Wrong as wrong:
                print(f"WRONG ANSWER: {wrong}")
                return 1
            if outcome is None:
                return 1
            outcomes.append(outcome)
    report("postgresql" if args.database_url else "sqlite", outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
