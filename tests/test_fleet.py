"""The fleet (issue #14): two API processes (one of them with two workers) and two `o2c scheduler`
processes on one PostgreSQL database, under a bounded mixed load while the jobs also run for
advancing moments (`o2c scheduler run-once --as-of`). Afterwards: no answer was a 5xx, every
Idempotency-Key booked one document, every task and statement exists once per its key, every
document's journal agrees with its state and version, and the ledger identity holds."""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from service.clock import business_date
from service.collection.models import CollectionTask
from service.db import Database, table_of
from service.idempotency import IdempotencyRecord
from service.invoices.models import Invoice
from service.journal import Event
from service.payments.models import Payment
from service.receipts.models import Receipt
from service.scheduler.models import Task
from service.statements.models import Statement
from tests.fleet_load import Load
from tests.processes import O2C, clean_env, start, stop, wait_ready
from tests.support import (
    free_port,
    make_users,
    make_world,
    migrate,
    postgres_database,
    settings_for,
    workflows,
)

ORDERS = 24
# The jobs run for 09:00 of these days from today (advancing to it), one run every few seconds
# during the load.
RUN_DAYS = (-10, -8, -6, -4, -2, 0)
RUN_EVERY_SECONDS = 6


def _run_once(env: dict[str, str], day: date) -> None:
    run = subprocess.run(
        [*O2C, "scheduler", "run-once", "--as-of", f"{day}T09:00"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def _drive_time(env: dict[str, str], today: date) -> None:
    """The jobs for advancing moments while the load runs (the schedulers run for now)."""
    began = time.monotonic()
    for index, days in enumerate(RUN_DAYS):
        time.sleep(max(0.0, began + index * RUN_EVERY_SECONDS - time.monotonic()))
        _run_once(env, today + timedelta(days=days))


def _duplicates(session: Session, *key: InstrumentedAttribute[Any]) -> list[Any]:
    stmt = select(*key, func.count()).group_by(*key).having(func.count() > 1)
    return list(session.execute(stmt).all())


def _journal_disagreements(session: Session) -> tuple[list[str], dict[str, int]]:
    """Every document of every lifecycle against its journal: the last row's to_state is its
    state and the number of rows its version; and no journal rows of a missing document."""
    wrong: list[str] = []
    checked: dict[str, int] = {}
    for machine, model in workflows().models.items():
        table = table_of(model)
        rows = session.execute(select(table.c.id, table.c.state, table.c.version)).all()
        mine = Event.entity_type == machine
        counts = dict(
            session.execute(
                select(Event.entity_id, func.count()).where(mine).group_by(Event.entity_id)
            ).all()
        )
        last = select(func.max(Event.id)).where(mine).group_by(Event.entity_id)
        finals = dict(
            session.execute(select(Event.entity_id, Event.to_state).where(Event.id.in_(last))).all()
        )
        for id_, state, version in rows:
            if (finals.get(id_), counts.get(id_)) != (state, version):
                journal = f"journal {finals.get(id_)} x{counts.get(id_)}"
                wrong.append(f"{machine} {id_}: {state} v{version}, {journal}")
        wrong += [
            f"{machine} {id_}: journalled, no row" for id_ in set(counts) - {r[0] for r in rows}
        ]
        checked[machine] = len(rows)
    return wrong, checked


def _judge(db: Database, load: Load) -> None:
    assert not [a for a in load.answers if a[2] >= 500], "5xx answers"
    assert {key: ids for key, ids in load.booked.items() if len(ids) != 1} == {}
    assert len(load.booked) >= ORDERS * 8
    with db.read() as session:
        assert _duplicates(session, IdempotencyRecord.user_id, IdempotencyRecord.key) == []
        assert _duplicates(session, Receipt.order_id) == []
        assert _duplicates(session, Invoice.order_id, Invoice.kind) == []
        assert _duplicates(session, Payment.bank_reference) == []
        assert session.scalar(select(func.count()).select_from(Receipt)) == ORDERS
        payments = set(session.scalars(select(Payment.bank_reference)))
        assert payments == load.bank_references and len(payments) == ORDERS // 2
        assert len(load.refused_twice) == ORDERS // 4
        task_key = (Task.kind, Task.subject_type, Task.subject_id, Task.period)
        assert _duplicates(session, *task_key) == []
        collection_key = (
            CollectionTask.condition,
            CollectionTask.customer_id,
            CollectionTask.period,
        )
        assert _duplicates(session, *collection_key) == []
        statement_key = (Statement.customer_id, Statement.settlement_date, Statement.kind)
        assert _duplicates(session, *statement_key) == []
        wrong, checked = _journal_disagreements(session)
        assert wrong == [], "\n".join(wrong)
    assert checked["order"] == ORDERS and checked["payment"] == ORDERS // 2, checked
    assert checked["statement"] >= 1 and checked["task"] >= 1, checked


def test_a_fleet_under_a_mixed_load_books_everything_once_and_its_journal_and_ledger_agree(
    tmp_path: Path,
) -> None:
    with postgres_database() as url:
        db = migrate(url)
        tokens = make_users(db)
        env = clean_env(
            O2C_DATABASE_URL=url,
            O2C_SCHEDULER_ENABLED="false",
            O2C_SCHEDULER_INTERVAL_SECONDS="5",
            O2C_SCHEDULER_LEASE_SECONDS="5",
            O2C_LOG_LEVEL="warning",
        )
        today = business_date(settings_for(url).tz)
        world = make_world(db, today=today)
        ports = [free_port(), free_port()]
        bases = [f"http://127.0.0.1:{port}" for port in ports]
        started: list[subprocess.Popen[bytes]] = []
        load = Load(bases, tokens, world, today, uuid.uuid4().hex[:8])
        try:
            commands = {
                "api-1": ["serve", "--port", str(ports[0]), "--workers", "2"],
                "api-2": ["serve", "--port", str(ports[1])],
                "scheduler-1": ["scheduler"],
                "scheduler-2": ["scheduler"],
            }
            for name, args in commands.items():
                started.append(start(args, env, tmp_path / f"{name}.log"))
            for number, base in enumerate(bases):
                wait_ready(base, started[number], tmp_path / f"api-{number + 1}.log")
            with ThreadPoolExecutor(4) as pool:
                orders = [pool.submit(load.order, number) for number in range(ORDERS)]
                _drive_time(env, today)
                for order in orders:
                    order.result()
            _run_once(env, today)
            for process in started:
                process.send_signal(signal.SIGTERM)
            # Each stops cleanly; a single server (no workers) re-raises the SIGTERM once it has
            # stopped (uvicorn), so it ends by that signal.
            ended = [process.wait(timeout=120) for process in started]
            assert set(ended) <= {0, -signal.SIGTERM}, ended
            ledger = subprocess.run(
                [*O2C, "ar", "check"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert ledger.returncode == 0, ledger.stdout + ledger.stderr
            _judge(db, load)
        finally:
            load.close()
            stop(started)
            db.dispose()
