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
- writes: the bare writes, what the job's first run writes for its new statements written by
  hand in plain SQL, with no Python per row: nine set-based statements on one connection, in
  one transaction: the statements (numbered 'BW' customer-date, no counter), their first
  versions, their invoice lines (each statement the customer's invoices due after its previous
  new statement and on or before its settlement date, on no statement, blue, receivable), the
  claim of those invoices, the versions' totals and what they changed (every line added, built
  in SQL) then the statements', two tasks per statement and the journal (one row per statement,
  with its rule decision, and per task). Its input, taken untimed before the rounds, is what the
  job drafts today found by the job's own scan and rule decisions (`jobs.find_due`),
  passed as one JSON array. Left out: red invoices, credits, adjustments, open returns and
  drafts already there to extend (the seeded world has none), the numbering counter, and the ON
  CONFLICT keys and look-ups that keep the job exactly-once;
- floor: of the bare writes, the statements and their two tasks alone, what R20 asks of any way
  of keeping statements (a statement per customer and settlement date drafted, a task each for
  sales and finance): no version, line, claim or journal row;

then the answers are checked and the transaction rolled back (the commit is not timed). Every
invoice falling due on or before a settlement date drafted for its customer must be claimed once
by one of that customer's new statements and nothing else; each statement's goods total must
equal the sum of its invoices and of its lines; two tasks per statement; the second run must
draft, claim and raise nothing; the bare writes must write as many statements, versions,
invoice lines, claims, tasks and journal rows as the job, and the same goods total; the floor
as many statements and tasks as the job, and nothing else. It prints the medians, the ratios
job/bare, again/job, again/bare (the day's scan once it has drafted its statements), job/writes
and floor/bare, and what was drafted; a wrong answer exits non-zero. `--profile`
adds, for one more (untimed) run, where the job's time goes: the SQL statements by total time,
and the rest (Python).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Connection, Date, TextClause, bindparam, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from bench.bench_receipts_http import database_for
from bench.seed_statements import SeededWorld, seed_statements
from service import bootstrap
from service.clock import business_date
from service.db import Database, UTCDateTime, utcnow
from service.invoices.models import Invoice
from service.journal import jsonable
from service.migrate import upgrade
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun
from service.scheduler.models import Task
from service.settings import load_settings
from service.statements.jobs import (
    RECONCILE_FINANCE,
    RECONCILE_SALES,
    find_due,
    horizon,
    reconciliation_statements,
    scan,
)
from service.statements.lines import LINE_COLUMNS
from service.statements.models import Statement
from service.statements.opening import Due
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
    writes: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)

    def last(self) -> str:
        """The latest round's times."""
        names = ("bare", "scan", "job", "again", "writes", "floor")
        return ", ".join(f"{n} {getattr(self, n)[-1] * 1000:.0f} ms" for n in names)

    @staticmethod
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000


@dataclass
class Outcome:
    seeded: SeededWorld
    falling_due: int
    drafted: Drafted
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


@dataclass(frozen=True)
class Marks:
    """The highest ids before a round (the same in every round: each is rolled back); what a
    round writes lies above them."""

    statement: int
    version: int
    task: int
    event: int


@dataclass(frozen=True)
class Wrote:
    """What a round wrote for its new statements, counted in its transaction."""

    statements: int
    versions: int
    invoice_lines: int
    claimed: int
    tasks: int
    events: int
    goods: Any  # the statements' goods totals added up (stored values: fen on SQLite)


def marks(db: Database) -> Marks:
    with db.engine.connect() as conn:
        found = conn.execute(
            text(
                "SELECT (SELECT coalesce(max(id), 0) FROM statements), "
                "(SELECT coalesce(max(id), 0) FROM statement_versions), "
                "(SELECT coalesce(max(id), 0) FROM tasks), "
                "(SELECT coalesce(max(id), 0) FROM events)"
            )
        ).one()
        conn.rollback()
    return Marks(*(int(n) for n in found))


def written(conn: Connection | Session, since: Marks) -> Wrote:
    found = conn.execute(
        text(
            "SELECT (SELECT count(*) FROM statements WHERE id > :s), "
            "(SELECT count(*) FROM statement_versions WHERE statement_id > :s), "
            "(SELECT count(*) FROM statement_lines WHERE version_id > :v AND kind = 'invoice'), "
            "(SELECT count(*) FROM invoices WHERE statement_id > :s AND kind = 'blue'), "
            "(SELECT count(*) FROM tasks WHERE id > :t), "
            "(SELECT count(*) FROM events WHERE id > :e), "
            "(SELECT sum(goods_total) FROM statements WHERE id > :s)"
        ),
        {"s": since.statement, "v": since.version, "t": since.task, "e": since.event},
    ).one()
    statements, versions, invoice_lines, claimed, tasks, events, goods = found
    return Wrote(
        int(statements),
        int(versions),
        int(invoice_lines),
        int(claimed),
        int(tasks),
        int(events),
        goods,
    )


def dues_of(db: Database, run: JobRun) -> list[Due]:
    """What the job drafts today, found as it finds it (`jobs.find_due`: its scan and rule
    decisions), in a transaction of its own that is rolled back."""
    with Session(db.engine) as session:
        dues = find_due(session, run).dues
        session.rollback()
    return dues


# Of the bare writes, those R20 asks of any way of keeping statements: a statement per customer
# and settlement date, and its two reconciliation tasks.
FLOOR = ("statements", "tasks")


def writes_sql(postgresql: bool, receivable: Collection[str]) -> dict[str, str]:
    """The bare writes, in order: the statements, their first versions, their invoice lines,
    the claim, the versions' and statements' totals, the tasks and the journal. The input is one
    JSON array (`:dues`); the new rows are those above the marks (`:since`, `:version_since`,
    `:task_since`)."""
    states = ", ".join(f"'{s}'" for s in sorted(receivable))
    if postgresql:
        dues = (
            "json_to_recordset(CAST(:dues AS json)) AS d(customer_id integer, "
            "settlement_date date, working_days integer, draft_day date, decision json)"
        )
        obj, arr, earliest = "json_build_object", "json_build_array", "DATE '0001-01-01'"
        due_at = "CAST(s.settlement_date - 1 + TIME '18:00' AS timestamp) AT TIME ZONE :tz"
        decision = "s.decision"

        def money(column: str) -> str:
            return f"CAST({column} AS text)"

        added = (
            f"json_agg({obj}('kind', l.kind, 'source_id', l.source_id, 'amount', "
            f"{money('l.amount')}) ORDER BY l.kind, l.source_id)"
        )
    else:
        dues = (
            "(SELECT json_extract(value, '$.customer_id') AS customer_id, "
            "json_extract(value, '$.settlement_date') AS settlement_date, "
            "json_extract(value, '$.working_days') AS working_days, "
            "json_extract(value, '$.draft_day') AS draft_day, "
            "json_extract(value, '$.decision') AS decision FROM json_each(:dues)) AS d"
        )
        obj, arr, earliest = "json_object", "json_array", "'0001-01-01'"
        # UTC text as SQLAlchemy stores it; the zone's offset is fixed (`:utc_shift`).
        due_at = "datetime(s.settlement_date, '-1 day', '+18 hours', :utc_shift) || '.000000'"
        decision = "json(s.decision)"

        def money(column: str) -> str:  # fen, positive here
            return f"printf('%d.%02d', {column} / 100, {column} % 100)"

        # SQLite 3.40 has no ORDER BY in an aggregate: the lines come to it ordered.
        added = (
            f"json_group_array({obj}('kind', l.kind, 'source_id', l.source_id, 'amount', "
            f"{money('l.amount')}))"
        )
    reason = (
        "'drafted ' || CAST(s.lead_working_days AS TEXT) || ' working days before ' || "
        "CAST(s.settlement_date AS TEXT) || ' (R20)'"
    )
    words = (
        f"{obj}('code', 'statements.reason.drafted', 'params', "
        f"{obj}('days', s.lead_working_days, 'date', CAST(s.settlement_date AS TEXT)))"
    )
    zero = "CAST('0.00' AS TEXT)"
    columns = ", ".join(LINE_COLUMNS)
    journal = (
        "INSERT INTO events (entity_type, entity_id, trigger, from_state, to_state, actor, "
        "occurred_at, business_date, payload, decisions, request_id) "
    )
    return {
        "statements": (
            "INSERT INTO statements (statement_no, customer_id, settlement_date, kind, state, "
            "version, versions, lead_working_days, draft_day, decision, goods_total, "
            "credits_total, adjustments_total, amount_due, created_by, created_at, updated_at) "
            "SELECT 'BW' || CAST(d.customer_id AS TEXT) || '-' || "
            "CAST(d.settlement_date AS TEXT), d.customer_id, d.settlement_date, 'scheduled', "
            ":statement_state, 1, 0, d.working_days, "
            f"d.draft_day, d.decision, 0, 0, 0, 0, :actor, :now, :now FROM {dues}"
        ),
        "versions": (
            "INSERT INTO statement_versions (statement_id, number, reason, reason_words, made_by, "
            "made_at, goods_total, credits_total, adjustments_total, amount_due, changes) "
            f"SELECT s.id, 1, {reason}, {words}, :actor, :now, 0, 0, 0, 0, {obj}() "
            "FROM statements s WHERE s.id > :since"
        ),
        # Each statement lists its customer's invoices due after its previous new statement.
        "lines": (
            f"INSERT INTO statement_lines ({columns}) "
            "SELECT t.version_id, 'invoice', i.id, i.invoice_no, r.receipt_no, i.term_start, "
            "w.code, i.due_date, coalesce(i.fapiao_no, ''), i.total, TRUE "
            "FROM (SELECT s.customer_id, s.settlement_date, v.id AS version_id, "
            "lag(s.settlement_date) OVER (PARTITION BY s.customer_id ORDER BY s.settlement_date) "
            "AS after FROM statements s JOIN statement_versions v "
            "ON v.statement_id = s.id AND v.number = 1 WHERE s.id > :since) AS t "
            "JOIN invoices i ON i.customer_id = t.customer_id AND i.due_date <= t.settlement_date "
            f"AND i.due_date > coalesce(t.after, {earliest}) "
            "JOIN orders o ON o.id = i.order_id JOIN warehouses w ON w.id = o.warehouse_id "
            "LEFT JOIN receipts r ON r.order_id = i.order_id "
            "WHERE i.statement_id IS NULL AND i.due_date IS NOT NULL AND i.kind = 'blue' "
            f"AND i.state IN ({states})"
        ),
        "claim": (
            "UPDATE invoices SET statement_id = v.statement_id, updated_at = :now "
            "FROM statement_lines l JOIN statement_versions v ON v.id = l.version_id "
            "WHERE invoices.id = l.source_id AND l.kind = 'invoice' "
            "AND l.version_id > :version_since AND invoices.statement_id IS NULL"
        ),
        # The first versions' totals and what they changed (every line added), as the job keeps
        # them; then their statements'.
        "version_totals": (
            "UPDATE statement_versions SET goods_total = a.goods, amount_due = a.goods, "
            f"changes = {obj}('added', {'a.added' if postgresql else 'json(a.added)'}, "
            f"'removed', {arr}(), 'changed', {arr}(), 'totals_after', {obj}("
            f"'goods_total', {money('a.goods')}, 'credits_total', {zero}, "
            f"'adjustments_total', {zero}, 'amount_due', {money('a.goods')})) "
            f"FROM (SELECT l.version_id, sum(l.amount) AS goods, {added} AS added "
            "FROM (SELECT x.version_id, x.kind, x.source_id, x.amount FROM statement_lines x "
            "WHERE x.version_id > :version_since ORDER BY x.version_id, x.kind, x.source_id) AS l "
            "GROUP BY l.version_id) AS a "
            "WHERE statement_versions.id = a.version_id"
        ),
        "statement_totals": (
            "UPDATE statements SET versions = v.number, goods_total = v.goods_total, "
            "credits_total = v.credits_total, adjustments_total = v.adjustments_total, "
            "amount_due = v.amount_due, updated_at = :now FROM statement_versions v "
            "WHERE v.statement_id = statements.id AND v.statement_id > :since"
        ),
        "tasks": (
            "INSERT INTO tasks (kind, subject_type, subject_id, period, owner_role, title, "
            "title_words, detail, due_at, state, resolution, version, created_at, updated_at) "
            "SELECT k.kind, 'statement', s.id, CAST(s.settlement_date AS TEXT), k.role, "
            "'Reconcile with ' || c.code || ' the statement for ' || "
            "CAST(s.settlement_date AS TEXT) || ' (R20)', "
            f"{obj}('code', 'tasks.title.statement_reconcile', 'params', {obj}('customer', c.code, "
            "'date', CAST(s.settlement_date AS TEXT))), "
            f"{obj}('statement_id', s.id, 'statement_no', s.statement_no, 'customer_code', c.code, "
            f"'settlement_date', CAST(s.settlement_date AS TEXT)), {due_at}, :task_state, '', 1, "
            ":now, :now FROM statements s JOIN customers c ON c.id = s.customer_id "
            f"CROSS JOIN (SELECT '{RECONCILE_SALES}' AS kind, 'sales' AS role "
            f"UNION ALL SELECT '{RECONCILE_FINANCE}', 'finance') AS k WHERE s.id > :since"
        ),
        "statement_journal": (
            f"{journal}SELECT 'statement', s.id, 'create', NULL, s.state, :actor, :now, "
            f":journal_day, {obj}('settlement_date', CAST(s.settlement_date AS TEXT), "
            f"'kind', s.kind, 'reason', {reason}), CASE WHEN s.decision IS NULL THEN {arr}() "
            f"ELSE {arr}({decision}) END, NULL FROM statements s WHERE s.id > :since"
        ),
        "task_journal": (
            f"{journal}SELECT 'task', t.id, 'raise', NULL, t.state, :actor, :now, :journal_day, "
            f"{obj}('kind', t.kind), {arr}(), NULL FROM tasks t WHERE t.id > :task_since"
        ),
    }


_TYPED: dict[str, TypeEngine[Any]] = {"now": UTCDateTime(), "journal_day": Date()}


def writes_params(dues: list[Due], since: Marks, run: JobRun, postgresql: bool) -> dict[str, Any]:
    """The bare writes' parameters but `now`: what the job drafts as one JSON array, the marks,
    the initial states, the journal's business day and the tasks' time zone."""
    planned = [
        {
            "customer_id": d.customer_id,
            "settlement_date": d.settlement_date.isoformat(),
            "working_days": d.lead_working_days,
            "draft_day": d.draft_day.isoformat(),
            "decision": jsonable(d.decision) if d.decision else None,
        }
        for d in dues
    ]
    if postgresql:
        zone: dict[str, Any] = {"tz": str(run.tz)}
    else:
        offset = datetime.combine(run.today, clock(18), tzinfo=run.tz).utcoffset()
        assert offset is not None
        zone = {"utc_shift": f"{-int(offset.total_seconds() // 60):+d} minutes"}
    return {
        "dues": json.dumps(planned),
        "since": since.statement,
        "version_since": since.version,
        "task_since": since.task,
        "statement_state": run.workflows.initial(Statement)["state"],
        "task_state": run.workflows.initial(Task)["state"],
        "actor": SCHEDULER_ACTOR,
        "journal_day": run.today,
        **zone,
    }


def _clause(sql: str) -> TextClause:
    """`sql` with its timestamps and dates bound as the columns store them."""
    typed = [bindparam(name, type_=kind) for name, kind in _TYPED.items() if f":{name}" in sql]
    return text(sql).bindparams(*typed) if typed else text(sql)


@dataclass
class BareWrites:
    """The bare writes as a step of the rounds: their statements and parameters, the marks, the
    times taken and what the last round wrote."""

    db: Database
    clauses: list[TextClause]
    params: dict[str, Any]
    since: Marks
    times: list[float]
    wrote: Wrote | None = None

    @classmethod
    def prepare(
        cls,
        db: Database,
        run: JobRun,
        times: list[float],
        only: Collection[str] | None = None,
    ) -> BareWrites:
        """Untimed: what the job drafts today and the marks of the state every round starts
        from; `only` those of the writes (all of them by default)."""
        since = marks(db)
        postgresql = db.engine.dialect.name == "postgresql"
        receivable = run.workflows.tagged(Invoice, "receivable")
        return cls(
            db,
            [
                _clause(sql)
                for name, sql in writes_sql(postgresql, receivable).items()
                if only is None or name in only
            ],
            writes_params(dues_of(db, run), since, run, postgresql),
            since,
            times,
        )

    def step(self) -> None:
        """The writes in one transaction, timed; what they wrote is counted before the rollback."""
        with self.db.engine.connect() as conn:
            values = self.params | {"now": utcnow()}
            started = time.perf_counter()
            for clause in self.clauses:
                conn.execute(clause, values)
            self.times.append(time.perf_counter() - started)
            self.wrote = written(conn, self.since)
            conn.rollback()


def job_run(db: Database, today: date) -> JobRun:
    """The job's run at 09:00 of `today`, in a process whose heap is settled."""
    settings = load_settings(database_url=str(db.engine.url))
    workflows = bootstrap.workflows()
    # The scheduler's process settles its heap when it starts (`service.heap.settle_heap`): the
    # job's collections walk only what it makes. Done here for each size, after its seeding.
    gc.collect()
    gc.freeze()
    return JobRun(
        as_of=datetime.combine(today, clock(9), tzinfo=settings.tz),
        tz=settings.tz,
        workflows=workflows,
        settings=settings,
    )


def same_rows(by_job: Wrote | None, bare_writes: BareWrites, floor: BareWrites) -> None:
    """The bare writes wrote what the job wrote; the floor its statements and tasks alone."""
    assert by_job is not None
    want(
        bare_writes.wrote == by_job,
        f"the bare writes wrote {bare_writes.wrote}, the job {by_job}",
    )
    assert floor.wrote is not None
    want(
        (floor.wrote.statements, floor.wrote.versions, floor.wrote.tasks, floor.wrote.events)
        == (by_job.statements, 0, by_job.tasks, 0),
        f"the floor wrote {floor.wrote}, the job {by_job}",
    )


def measure(db: Database, seeded: SeededWorld, today: date, args: argparse.Namespace) -> Outcome:
    run = job_run(db, today)
    until = horizon(today)
    sql = text(bare_sql(run.workflows))
    timings = Timings()
    drafted: Drafted | None = None
    due: list[Any] = []
    bare_writes, floor = (
        BareWrites.prepare(db, run, timings.writes),
        BareWrites.prepare(db, run, timings.floor, only=FLOOR),
    )
    by_job: Wrote | None = None

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
            scan(session, run.workflows, until)
            timings.scan.append(time.perf_counter() - started)
            session.rollback()

    def job() -> None:
        nonlocal drafted, by_job
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
            by_job = written(session, bare_writes.since)
        finally:
            session.rollback()
            session.close()

    bare()  # warm-up, and the answer the checks use
    timings.bare.clear()
    steps = [bare, aggregate, job, bare_writes.step, floor.step]
    for n in range(args.rounds):
        for step in steps[n % len(steps) :] + steps[: n % len(steps)]:
            step()
        same_rows(by_job, bare_writes, floor)
        print(f"  round {n + 1}: {timings.last()}", flush=True)
    if args.profile:
        profile(db, run)
    assert drafted is not None
    return Outcome(seeded, len(due), drafted, timings)


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
        f"{'bare':>9} {'scan':>9} {'job':>9} {'job/bare':>8} {'again':>8} {'again/job':>9} "
        f"{'again/bare':>10} {'writes':>9} {'job/writes':>10} {'floor':>9} {'floor/bare':>10}"
    )
    for o in outcomes:
        t = o.timings
        bare, job, again = Timings.ms(t.bare), Timings.ms(t.job), Timings.ms(t.again)
        writes, floor = Timings.ms(t.writes), Timings.ms(t.floor)
        print(
            f"{'':<{len(backend)}}  {o.seeded.invoices:>9,} {o.seeded.open_invoices:>8,} "
            f"{o.falling_due:>7,} {o.drafted.statements:>6,} {o.drafted.lines:>7,} "
            f"{bare:>6.0f} ms {Timings.ms(t.scan):>6.0f} ms "
            f"{job:>6.0f} ms {job / bare:>8.1f} {again:>5.0f} ms {again / job:>9.1%} "
            f"{again / bare:>10.1f} {writes:>6.0f} ms {job / writes:>10.1f} "
            f"{floor:>6.0f} ms {floor / bare:>10.1f}"
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
