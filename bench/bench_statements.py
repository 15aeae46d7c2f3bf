"""Benchmark: the statements' daily scan (R20) against the bare query selecting what falls due.

Run with `python bench/bench_statements.py [--invoices N[,N...]] [--customers N] [--rounds N]
[--profile] [--database-url URL]`. For each size a fresh SQLite file (or, with `--database-url`,
a temporary database on that PostgreSQL server, created and dropped) is migrated and seeded
set-based (bench/seed_statements.py): `--customers` customers with a mix of terms and N issued
blue invoices, what yesterday's run would have drafted on confirmed opening statements, the
rest open; statistics gathered. The business day is the last working day on or before today.

Then `--rounds` rounds, the order alternating, each from the same state:

- bare: the single SQL query selecting what falls due by the scan's horizon and is on no
  statement yet (each invoice's id, customer, due date and amount, fetched);
- scan: the job's own aggregate (`service.statements.jobs.scan_query`), alone, for reference;
- job: the scheduler's job `reconciliation_statements` for 09:00 of the day, in one transaction
  (scan, rule decisions, statements opened, invoices claimed, versions and lines, tasks);
- again: the job once more in the same transaction, the same day (it must draft nothing);

then the answers are checked and the transaction rolled back (the commit is not timed). Every
invoice falling due on or before a settlement date drafted for its customer must be claimed once
by one of that customer's new statements and nothing else; each statement's goods total must
equal the sum of its invoices and of its lines; two tasks per statement; the second run must
draft, claim and raise nothing. It prints the medians, the ratios job/bare and again/job, and
what was drafted; a wrong answer exits non-zero. `--profile` adds, for one more (untimed) run,
where the job's time goes: the SQL statements by total time, and the rest (Python).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bench.bench_receipts_http import database_for
from bench.seed_statements import SeededWorld, seed_statements
from service import bootstrap
from service.clock import business_date
from service.db import Database
from service.invoices.models import Invoice
from service.migrate import upgrade
from service.scheduler.jobs import JobResult, JobRun
from service.settings import load_settings
from service.statements.jobs import horizon, reconciliation_statements, scan
from service.statements.timing import MOST
from service.workdays import CalendarGap, add_working_days, is_working_day
from service.workflow import Workflows

SIZES = "20000"


class Wrong(Exception):
    """An answer that is not what it must be."""


def want(condition: bool, what: str) -> None:
    if not condition:
        raise Wrong(what)


def bench_day(start: date) -> date:
    """The last working day on or before `start` whose scan horizon the calendar knows."""
    day = start
    while True:
        try:
            if is_working_day(day):
                add_working_days(day, MOST)
                return day
        except CalendarGap:
            pass
        day -= timedelta(days=1)


def bare_sql(workflows: Workflows) -> str:
    states = ", ".join(f"'{s}'" for s in sorted(workflows.tagged(Invoice, "receivable")))
    return (
        "SELECT id, customer_id, due_date, total FROM invoices "
        "WHERE statement_id IS NULL AND due_date IS NOT NULL AND due_date <= :until "
        f"AND kind = 'blue' AND state IN ({states})"
    )


@dataclass
class Timings:
    bare: list[float] = field(default_factory=list)
    scan: list[float] = field(default_factory=list)
    job: list[float] = field(default_factory=list)
    again: list[float] = field(default_factory=list)

    @staticmethod
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000


@dataclass
class Outcome:
    invoices: int
    open_invoices: int
    falling_due: int
    statements: int
    lines: int
    timings: Timings


@dataclass(frozen=True)
class Drafted:
    statements: int
    invoices: int
    lines: int


def _rows(session: Session, sql: str, **params: Any) -> list[Any]:
    return list(session.execute(text(sql), params).all())


def check(
    session: Session,
    first: JobResult,
    second: JobResult,
    seeded: SeededWorld,
    today: date,
    due: list[Any],
) -> Drafted:
    """The answers of one round, read in its transaction before it is rolled back."""
    since = seeded.customers  # the opening statements are ids 1..customers
    statements = _rows(
        session,
        "SELECT id, customer_id, settlement_date, goods_total, amount_due, draft_day, versions "
        "FROM statements WHERE id > :since",
        since=since,
    )
    want(bool(statements), "the job drafted no statement")
    claimed = {
        row[0]: row
        for row in _rows(
            session,
            "SELECT statement_id, count(*), sum(total), max(due_date), min(customer_id), "
            "max(customer_id) FROM invoices WHERE statement_id > :since GROUP BY statement_id",
            since=since,
        )
    }
    lines = {
        row[0]: row
        for row in _rows(
            session,
            "SELECT v.statement_id, count(*), sum(l.amount) FROM statement_lines l "
            "JOIN statement_versions v ON v.id = l.version_id "
            "WHERE v.statement_id > :since GROUP BY v.statement_id",
            since=since,
        )
    }
    latest: dict[int, date] = {}
    for sid, customer, settled, goods, amount_due, draft_day, versions in statements:
        settlement = _date(settled)
        latest[customer] = max(latest.get(customer, settlement), settlement)
        got = claimed.get(sid)
        want(got is not None, f"statement {sid} claimed no invoice")
        assert got is not None
        _, count, total, last_due, low, high = got
        want(low == high == customer, f"statement {sid} claimed another customer's invoices")
        want(_date(last_due) <= settlement, f"statement {sid} claimed an invoice due after it")
        want(_date(draft_day) <= today, f"statement {sid} drafted before its draft day")
        want(versions == 1, f"statement {sid} has {versions} versions")
        listed = lines.get(sid)
        want(listed is not None and listed[1] == count, f"statement {sid}: lines ≠ invoices")
        assert listed is not None
        want(
            Decimal(goods) == Decimal(total) == Decimal(listed[2]) == Decimal(amount_due),
            f"statement {sid}: goods {goods}, invoices {total}, lines {listed[2]}",
        )
    covered = sum(1 for _, customer, day, _ in due if _date(day) <= latest.get(customer, date.min))
    taken = sum(int(row[1]) for row in claimed.values())
    want(taken == covered, f"{taken} invoices claimed, {covered} fall due by the dates drafted")
    still_open = _rows(session, "SELECT count(*) FROM invoices WHERE statement_id IS NULL")[0][0]
    want(
        still_open == seeded.open_invoices - taken,
        f"{still_open} invoices open, expected {seeded.open_invoices - taken}",
    )
    want(first.candidates == len(statements), f"{first.candidates} candidates, {len(statements)}")
    want(
        len(first.raised) == 2 * len(statements),
        f"{len(first.raised)} tasks for {len(statements)} statements",
    )
    want(not first.problems, f"problems: {first.problems}")
    want(second.candidates == 0 and not second.raised, f"second run: {second.summary()}")
    return Drafted(len(statements), taken, sum(int(row[1]) for row in lines.values()))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass
class Profile:
    seconds: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    calls: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@contextmanager
def profiled(engine: Engine) -> Iterator[Profile]:
    """Time every SQL statement the engine runs, grouped by its text's start."""
    found = Profile()
    started: list[float] = []

    def before(*_: Any) -> None:
        started.append(time.perf_counter())

    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        key = " ".join(statement.split())[:110]
        found.seconds[key] += time.perf_counter() - started.pop()
        found.calls[key] += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def measure(db: Database, seeded: SeededWorld, today: date, args: argparse.Namespace) -> Outcome:
    settings = load_settings(database_url=str(db.engine.url))
    workflows = bootstrap.workflows()
    # The scheduler's process settles its heap when it starts (`service.heap.settle_heap`): the
    # job's collections walk only what it makes. Done here for each size, after its seeding.
    gc.collect()
    gc.freeze()
    run = JobRun(
        as_of=datetime.combine(today, clock(9), tzinfo=settings.tz),
        tz=settings.tz,
        workflows=workflows,
        settings=settings,
    )
    until = horizon(today)
    sql = text(bare_sql(workflows))
    timings = Timings()
    drafted: Drafted | None = None
    due: list[Any] = []

    def bare() -> None:
        nonlocal due
        with db.engine.connect() as conn:
            started = time.perf_counter()
            due = list(conn.execute(sql, {"until": until}).all())
            timings.bare.append(time.perf_counter() - started)
            conn.rollback()

    def aggregate() -> None:
        with Session(db.engine) as session:
            started = time.perf_counter()
            scan(session, workflows, until)
            timings.scan.append(time.perf_counter() - started)
            session.rollback()

    def job() -> None:
        nonlocal drafted
        session = Session(db.engine, expire_on_commit=False)
        try:
            session.begin()
            started = time.perf_counter()
            first = reconciliation_statements(session, run)
            session.flush()
            middle = time.perf_counter()
            second = reconciliation_statements(session, run)
            session.flush()
            ended = time.perf_counter()
            timings.job.append(middle - started)
            timings.again.append(ended - middle)
            drafted = check(session, first, second, seeded, today, due)
        finally:
            session.rollback()
            session.close()

    bare()  # warm-up, and the answer the checks use
    timings.bare.clear()
    steps = [bare, aggregate, job]
    for n in range(args.rounds):
        for step in steps[n % len(steps) :] + steps[: n % len(steps)]:
            step()
        print(
            f"  round {n + 1}: bare {timings.bare[-1] * 1000:.0f} ms, "
            f"scan {timings.scan[-1] * 1000:.0f} ms, job {timings.job[-1] * 1000:.0f} ms, "
            f"again {timings.again[-1] * 1000:.0f} ms",
            flush=True,
        )
    if args.profile:
        profile(db, run)
    assert drafted is not None
    return Outcome(
        seeded.invoices,
        seeded.open_invoices,
        len(due),
        drafted.statements,
        drafted.lines,
        timings,
    )


def profile(db: Database, run: JobRun) -> None:
    session = Session(db.engine, expire_on_commit=False)
    try:
        session.begin()
        python = cProfile.Profile()
        with profiled(db.engine) as found:
            started = time.perf_counter()
            python.enable()
            reconciliation_statements(session, run)
            session.flush()
            python.disable()
            spent = time.perf_counter() - started
    finally:
        session.rollback()
        session.close()
    in_sql = sum(found.seconds.values())
    print(
        f"  profile: {spent * 1000:.0f} ms, {sum(found.calls.values())} SQL statements "
        f"{in_sql * 1000:.0f} ms, the rest (Python) {(spent - in_sql) * 1000:.0f} ms"
    )
    top = sorted(found.seconds.items(), key=lambda kv: -kv[1])[:12]
    for key, seconds in top:
        print(f"  {seconds * 1000:>8.0f} ms {found.calls[key]:>6}×  {key}")
    out = io.StringIO()
    pstats.Stats(python, stream=out).sort_stats("cumulative").print_stats(20)
    print("  Python, by cumulative time (cProfile):")
    print("\n".join("    " + line for line in out.getvalue().splitlines()[6:] if line.strip()))


def report(backend: str, outcomes: list[Outcome]) -> None:
    print(
        f"\n{backend}: {'invoices':>9} {'open':>8} {'due':>7} {'stmts':>6} {'lines':>7} "
        f"{'bare':>9} {'scan':>9} {'job':>9} {'job/bare':>8} {'again':>8} {'again/job':>9}"
    )
    for o in outcomes:
        t = o.timings
        bare, job, again = Timings.ms(t.bare), Timings.ms(t.job), Timings.ms(t.again)
        print(
            f"{'':<{len(backend)}}  {o.invoices:>9,} {o.open_invoices:>8,} {o.falling_due:>7,} "
            f"{o.statements:>6,} {o.lines:>7,} {bare:>6.0f} ms {Timings.ms(t.scan):>6.0f} ms "
            f"{job:>6.0f} ms {job / bare:>8.1f} {again:>5.0f} ms {again / job:>9.1%}"
        )


def one_size(
    parser: argparse.ArgumentParser, args: argparse.Namespace, size: int, folder: str
) -> Outcome | None:
    database = database_for(parser, args.database_url, folder, f"statements-{size}.sqlite3")
    if database is None:
        return None
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            tz = load_settings(database_url=url).tz
            today = args.today or bench_day(business_date(tz))
            started = time.perf_counter()
            seeded = seed_statements(db, size, args.customers, today=today)
            print(
                f"{size:,} invoices of {args.customers:,} customers on "
                f"{make_url(url).get_backend_name()} seeded in {time.perf_counter() - started:.1f}"
                f" s; {seeded.open_invoices:,} open (due up to {seeded.claimed_through} on "
                f"opening statements); business day {today}, horizon {horizon(today)}",
                flush=True,
            )
            return measure(db, seeded, today, args)
        finally:
            db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--invoices",
        default=SIZES,
        help=f"invoice counts, comma-separated, one fresh database each ({SIZES})",
    )
    parser.add_argument("--customers", type=int, default=2000, help="customers (2,000)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per size (3)")
    parser.add_argument("--today", type=date.fromisoformat, help="the business day (a workday)")
    parser.add_argument("--profile", action="store_true", help="where the job's time goes")
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
    with tempfile.TemporaryDirectory(prefix="o2c-bench-statements-") as tmp:
        for size in sizes:
            try:
                outcome = one_size(parser, args, size, tmp)
            except Wrong as wrong:
                print(f"WRONG ANSWER: {wrong}")
                return 1
            if outcome is None:
                return 1
            outcomes.append(outcome)
    backend = "postgresql" if args.database_url else "sqlite"
    report(backend, outcomes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
