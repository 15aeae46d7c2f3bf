"""Benchmark: recording a payment that clears 50 invoices, against the bare statements.

Run with `python bench/bench_payments.py [--invoices N] [--customers N] [--rounds N]
[--database-url URL]`. A fresh SQLite file (or, with `--database-url`, a temporary database on
that PostgreSQL server, created and dropped) is migrated and seeded set-based
(bench/seed_ageing.py): `--customers` customers and N open invoices (at least 50 each) with
their stored balances; statistics gathered. The business day is today.

Then `--rounds` rounds, the order alternating, each paying a customer not paid before, an amount
that clears exactly its 50 oldest invoices (oldest due first, as the service allocates):

- bare: the minimal SQL a hand-written implementation needs for the same writes, on the
  database driver, in one transaction: the customer's open invoices read (and held) in order,
  the payment's number taken, the payment, its ledger entry, the 50 allocations, the 50
  invoices' outstanding, state and version, the customer's balance, the journal rows (the
  payment's creation and each invoice's move to paid), committed;
- ours: `service.payments.recording.record_payment` in one write transaction, committed.

Each payment is checked afterwards: its 50 invoices paid with nothing owed, every other invoice of
the customer as it was, one allocation each adding up to the amount, the stored balance's
outstanding the sum of the customer's invoices, the invoices' versions each counted up once and
journalled. It prints the medians of the elapsed time and the ratio ours/bare (target: within
3x), and the same of the CPU time this process spent (on SQLite all the work, the steadier figure
on a loaded machine; on PostgreSQL the client's share); a wrong answer exits non-zero.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bench.bench_receipts_http import database_for
from bench.seed_ageing import seed_ageing
from service import bootstrap
from service.auth.tokens import ROLES, Actor
from service.clock import business_date
from service.context import Context
from service.db import Database
from service.invoices.models import Invoice
from service.journal import Event
from service.ledger import Allocation, Balance, LedgerEntry
from service.masterdata.models import Customer
from service.migrate import upgrade
from service.numbering import counter, formatted
from service.payments import allocation
from service.payments.models import Payment
from service.payments.recording import record_payment
from service.payments.schemas import PaymentIn
from service.settings import load_settings

CLEARED = 50
TARGET = 3.0
ZERO = Decimal("0.00")
USERNAME = "bench-finance"


class Wrong(Exception):
    """An answer that is not what it must be."""


def want(condition: bool, what: str) -> None:
    if not condition:
        raise Wrong(what)


@dataclass(frozen=True)
class Due:
    """What one round pays: the customer, the amount, the invoices it clears (id, version)."""

    customer_id: int
    customer_code: str
    amount: Decimal
    cleared: dict[int, int]
    others: dict[int, Decimal]


def due_for(db: Database, ctx: Context, customer_id: int) -> Due:
    """The customer's 50 oldest open invoices in the service's order, and their sum."""
    with db.read() as session:
        code = session.scalar(select(Customer.code).where(Customer.id == customer_id))
        assert code is not None
        invoices = allocation.open_invoices(session, ctx, customer_id, hold=False)
        want(len(invoices) > CLEARED, f"customer {code}: {len(invoices)} open invoices")
        cleared = invoices[:CLEARED]
        versions = dict(
            session.execute(
                select(Invoice.id, Invoice.version).where(Invoice.id.in_([i.id for i in cleared]))
            ).all()
        )
    return Due(
        customer_id,
        code,
        sum((i.outstanding for i in cleared), ZERO),
        {i.id: versions[i.id] for i in cleared},
        {i.id: i.outstanding for i in invoices[CLEARED:]},
    )


# --- the bare statements ----------------------------------------------------------------------


class Bare:
    """The same writes on the database driver, SQL written by hand with %s (? for sqlite3)."""

    def __init__(self, db: Database, ctx: Context) -> None:
        self.db = db
        self.sqlite = db.is_sqlite
        self.states = tuple(ctx.workflows.flow(Invoice).sources_of("pay"))
        self.year = ctx.today.year
        self.today = ctx.today
        marks = ", ".join(["%s"] * len(self.states))
        self.open_sql = self.q(
            "SELECT id, outstanding, version, state FROM invoices WHERE customer_id = %s"
            f" AND outstanding <> 0 AND kind = 'blue' AND state IN ({marks})"
            " ORDER BY due_date IS NULL, due_date, term_start IS NULL, term_start, invoice_no"
            + ("" if self.sqlite else " FOR UPDATE")
        )

    def q(self, sql: str) -> str:
        return sql.replace("%s", "?") if self.sqlite else sql

    def money(self, value: Decimal) -> Any:
        """As the column stores it: fen on SQLite, NUMERIC else."""
        return int(value * 100) if self.sqlite else value

    def yuan(self, value: Any) -> Decimal:
        return Decimal(value) / 100 if self.sqlite else Decimal(value)

    def now(self) -> Any:
        stamp = datetime.now(UTC)
        return stamp.replace(tzinfo=None).isoformat(sep=" ") if self.sqlite else stamp

    def day(self, value: date) -> Any:
        return value.isoformat() if self.sqlite else value

    def pay(self, due: Due, reference: str) -> None:
        raw = self.db.engine.raw_connection()
        conn: Any = raw.driver_connection
        try:
            if self.sqlite:
                conn.execute("BEGIN IMMEDIATE")
            self._pay(conn, due, reference)
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            raw.close()

    def _pay(self, conn: Any, due: Due, reference: str) -> None:
        q, now, day = self.q, self.now(), self.day(self.today)
        cursor = conn.cursor()
        cursor.execute(self.open_sql, (due.customer_id, *self.states))
        plan: list[tuple[int, Decimal, int, str]] = []
        rest = due.amount
        for invoice_id, outstanding, version, state in cursor.fetchall():
            owed = self.yuan(outstanding)
            if rest <= ZERO:
                break
            share = min(rest, owed)
            plan.append((invoice_id, share, version, state))
            rest -= share
        number = cursor.execute(
            q(
                "UPDATE number_sequences SET last_value = last_value + 1 WHERE name = %s"
                " RETURNING last_value"
            ),
            (counter("SK", self.year),),
        ).fetchone()[0]
        payment_no = formatted("SK", self.year, number)
        payment_id = cursor.execute(
            q(
                "INSERT INTO payments (payment_no, customer_id, amount, value_date, payer,"
                " bank_reference, note, state, version, allocated, unapplied, recorded_by,"
                " created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, '', 'recorded', 1,"
                " %s, %s, %s, %s, %s) RETURNING id"
            ),
            (
                payment_no,
                due.customer_id,
                self.money(due.amount),
                day,
                "bench payer",
                reference,
                self.money(due.amount - rest),
                self.money(rest),
                USERNAME,
                now,
                now,
            ),
        ).fetchone()[0]
        allocated = due.amount - rest
        entry_id = cursor.execute(
            q(
                "INSERT INTO ledger_entries (customer_id, kind, source_type, source_id,"
                " reference, amount, outstanding_change, unapplied_change, business_date,"
                " recorded_by, recorded_at) VALUES (%s, 'payment', 'payment', %s, %s, %s, %s,"
                " %s, %s, %s, %s) RETURNING id"
            ),
            (
                due.customer_id,
                payment_id,
                payment_no,
                self.money(-due.amount),
                self.money(-allocated),
                self.money(rest),
                day,
                USERNAME,
                now,
            ),
        ).fetchone()[0]
        cursor.executemany(
            q(
                "INSERT INTO ar_allocations (entry_id, customer_id, invoice_id, amount)"
                " VALUES (%s, %s, %s, %s)"
            ),
            [(entry_id, due.customer_id, i, self.money(a)) for i, a, _, _ in plan],
        )
        # What a payment leaves on each invoice decides its state: paid here, as it clears all.
        cursor.executemany(
            q(
                "UPDATE invoices SET outstanding = outstanding - %s, state = 'paid',"
                " version = version + 1, updated_at = %s WHERE id = %s AND version = %s"
            ),
            [(self.money(a), now, i, v) for i, a, v, _ in plan],
        )
        cursor.execute(
            q(
                "UPDATE ar_balances SET paid = paid + %s, outstanding = outstanding - %s,"
                " unapplied = unapplied + %s, updated_at = %s WHERE customer_id = %s"
            ),
            (
                self.money(due.amount),
                self.money(allocated),
                self.money(rest),
                now,
                due.customer_id,
            ),
        )
        payload = json.dumps({"payment": payment_no, "deductions": []})
        created = json.dumps(
            {"amount": str(due.amount), "bank_reference": reference, "value_date": str(day)}
        )
        cursor.executemany(
            q(
                'INSERT INTO events (entity_type, entity_id, "trigger", from_state, to_state,'
                " actor, occurred_at, payload, decisions) VALUES (%s, %s, %s, %s, %s, %s, %s,"
                " %s, '[]')"
            ),
            [("payment", payment_id, "create", None, "recorded", USERNAME, now, created)]
            + [
                ("invoice", i, "pay", state, "paid", USERNAME, now, payload)
                for i, _, _, state in plan
            ],
        )


# --- ours -------------------------------------------------------------------------------------


def ours(db: Database, ctx: Context, due: Due, reference: str) -> None:
    data = PaymentIn(
        customer_code=due.customer_code,
        amount=due.amount,
        value_date=ctx.today,
        payer="bench payer",
        bank_reference=reference,
    )
    with db.write() as session:
        payment = record_payment(session, ctx, data=data)
        want(payment.unapplied == ZERO, f"{reference}: {payment.unapplied} left unapplied")


# --- checks and timing ------------------------------------------------------------------------


def check(db: Database, due: Due, reference: str) -> None:
    with db.read() as session:
        invoices = {
            row.id: row
            for row in session.execute(
                select(Invoice.id, Invoice.state, Invoice.version, Invoice.outstanding).where(
                    Invoice.customer_id == due.customer_id
                )
            )
        }
        for invoice_id, version in due.cleared.items():
            row = invoices[invoice_id]
            want(
                (row.state, row.outstanding, row.version) == ("paid", ZERO, version + 1),
                f"{reference}: invoice {invoice_id} is {row.state} owing {row.outstanding}",
            )
        for invoice_id, owed in due.others.items():
            want(invoices[invoice_id].outstanding == owed, f"{reference}: {invoice_id} changed")
        applied = session.execute(
            select(func.count(), func.sum(Allocation.amount))
            .join(LedgerEntry, LedgerEntry.id == Allocation.entry_id)
            .where(LedgerEntry.reference.in_(_payment_no(reference)))
        ).one()
        want(applied[0] == CLEARED, f"{reference}: {applied[0]} allocations")
        want(Decimal(applied[1]) == due.amount, f"{reference}: {applied[1]} allocated")
        stored = session.scalar(
            select(Balance.outstanding).where(Balance.customer_id == due.customer_id)
        )
        owed = sum((row.outstanding for row in invoices.values()), ZERO)
        want(stored == owed, f"{reference}: balance {stored}, invoices {owed}")
        moved = session.scalar(
            select(func.count()).where(
                Event.entity_type == "invoice",
                Event.entity_id.in_(list(due.cleared)),
                Event.to_state == "paid",
            )
        )
        want(moved == CLEARED, f"{reference}: {moved} invoices journalled paid")


def _payment_no(reference: str) -> Any:
    return select(Payment.payment_no).where(Payment.bank_reference == reference)


@dataclass
class Timings:
    """Elapsed time per payment, and this thread's CPU time (on SQLite all of the work; on a
    loaded machine the steadier figure of the two)."""

    bare: list[float] = field(default_factory=list)
    ours: list[float] = field(default_factory=list)
    bare_cpu: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)

    @staticmethod
    def ms(values: list[float]) -> float:
        return statistics.median(values) * 1000

    @property
    def ratio(self) -> float:
        return self.ms(self.ours) / self.ms(self.bare)

    @property
    def cpu_ratio(self) -> float:
        return self.ms(self.ours_cpu) / self.ms(self.bare_cpu)


def _timed(work: Callable[..., Any], into: list[float], cpu: list[float], *args: Any) -> None:
    started, used = time.perf_counter(), time.thread_time()
    work(*args)
    into.append(time.perf_counter() - started)
    cpu.append(time.thread_time() - used)


def measure(db: Database, ctx: Context, customers: int, rounds: int) -> Timings:
    bare = Bare(db, ctx)
    timings = Timings()
    # Customers spread over the table, each paid once; the first two warm both paths up.
    step = max(1, customers // (2 * rounds + 2))
    picked = iter(range(1, customers + 1, step))
    for n in range(rounds + 1):
        # Ours first in the warm-up: it makes the payments' number counter the bare one takes.
        steps = ["bare", "ours"] if n % 2 else ["ours", "bare"]
        for which in steps:
            due = due_for(db, ctx, next(picked))
            reference = f"BENCH-{which.upper()}-{due.customer_id}"
            into: list[float] = [] if n == 0 else getattr(timings, which)
            cpu: list[float] = [] if n == 0 else getattr(timings, f"{which}_cpu")
            if which == "bare":
                _timed(bare.pay, into, cpu, due, reference)
            else:
                _timed(ours, into, cpu, db, ctx, due, reference)
            check(db, due, reference)
        if n:
            print(
                f"  round {n}: bare {timings.bare[-1] * 1000:.1f} ms (CPU "
                f"{timings.bare_cpu[-1] * 1000:.1f}), ours {timings.ours[-1] * 1000:.1f} ms (CPU "
                f"{timings.ours_cpu[-1] * 1000:.1f})",
                flush=True,
            )
    return timings


def run(parser: argparse.ArgumentParser, args: argparse.Namespace, folder: str) -> int:
    database = database_for(parser, args.database_url, folder, "payments.sqlite3")
    if database is None:
        return 1
    with database as url:
        db = Database(url)
        try:
            upgrade(db)
            settings = load_settings(database_url=url)
            today = business_date(settings.tz)
            started = time.perf_counter()
            seeded = seed_ageing(db, args.invoices, args.customers, today=today)
            backend = make_url(url).get_backend_name()
            print(
                f"{seeded.invoices:,} open invoices of {seeded.customers:,} customers on "
                f"{backend} seeded in {time.perf_counter() - started:.1f} s; business day "
                f"{today}",
                flush=True,
            )
            ctx = bootstrap.runtime(settings, db).for_actor(
                Actor(user_id=0, username=USERNAME, roles=frozenset(ROLES))
            )
            timings = measure(db, ctx, args.customers, args.rounds)
        finally:
            db.dispose()
    print(
        f"\n{backend}: a payment clearing {CLEARED} invoices, median of {args.rounds} rounds: "
        f"bare {Timings.ms(timings.bare):.1f} ms, ours {Timings.ms(timings.ours):.1f} ms, "
        f"ours/bare {timings.ratio:.2f}; CPU time of this process: bare "
        f"{Timings.ms(timings.bare_cpu):.1f} ms, ours {Timings.ms(timings.ours_cpu):.1f} ms, "
        f"ours/bare {timings.cpu_ratio:.2f}"
    )
    met = timings.ratio <= TARGET
    print(f"target: within {TARGET}x of the bare statements: {'met' if met else 'NOT met'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=120_000, help="open invoices (120,000)")
    parser.add_argument("--customers", type=int, default=2000, help="customers (2,000)")
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (30)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (admin connection) to run on instead of a SQLite file: a "
        "temporary database is created there and dropped",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.customers < 2 * args.rounds + 2:
        parser.error("--rounds must be at least 1 and --customers at least 2 x rounds + 2")
    if args.invoices < (CLEARED + 1) * args.customers:
        parser.error(f"--invoices must be at least {CLEARED + 1} x --customers")
    with tempfile.TemporaryDirectory(prefix="o2c-bench-payments-") as tmp:
        try:
            return run(parser, args, tmp)
        except Wrong as wrong:
            print(f"WRONG ANSWER: {wrong}")
            return 1


if __name__ == "__main__":
    sys.exit(main())
