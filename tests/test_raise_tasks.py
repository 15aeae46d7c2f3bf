"""Raising tasks in bulk (`service.scheduler.tasks.raise_tasks`) on both databases: a run raises
thousands in one step (one COPY on PostgreSQL), each stored and journalled once, even more than a
statement may bind parameters, and a task that another scheduler raised in the meantime is
neither stored nor journalled twice."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from service import bootstrap
from service.db import Database
from service.journal import Event
from service.prepared import COPY_FROM
from service.scheduler import tasks
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, raise_tasks
from service.workflow import Workflows
from tests.support import BACKENDS, fresh_database, migrate
from tests.usecases.test_scheduler import CHASE

WORKFLOWS: Workflows = bootstrap.workflows()
SQLITE_DEFAULT_VARIABLES = 32_766


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    with ExitStack() as stack:
        url = stack.enter_context(fresh_database(request.param, tmp_path))
        database = migrate(url)
        stack.callback(database.dispose)
        yield database


def _chases(first: int, count: int) -> list[NewTask]:
    return [NewTask(**{**CHASE.__dict__, "subject_id": n}) for n in range(first, first + count)]


def test_many_tasks_raised_at_once_are_each_stored_and_journalled_once(db: Database) -> None:
    many = _chases(1, 3 * COPY_FROM)
    with db.write() as session:
        raised = raise_tasks(session, WORKFLOWS, many + many, actor="scheduler")
    with db.write() as session:
        assert raise_tasks(session, WORKFLOWS, many, actor="scheduler") == []
    with db.read() as session:
        stored = {t.id: t for t in session.scalars(select(Task))}
        journalled = session.execute(
            select(Event.entity_id, Event.trigger, Event.to_state, Event.payload).where(
                Event.entity_type == "task"
            )
        ).all()
    assert [stored[i].subject_id for i in raised] == [t.subject_id for t in many]
    assert {(t.state, t.version, t.owner_role) for t in stored.values()} == {
        ("open", 1, "logistics")
    }
    assert {t.detail["delivered_on"] for t in stored.values()} == {"2026-11-16"}
    assert {t.due_at for t in stored.values()} == {CHASE.due_at}
    assert sorted(journalled) == sorted((i, "raise", "open", {"kind": CHASE.kind}) for i in raised)


def test_more_tasks_at_once_than_a_statement_binds_parameters_are_raised_once(
    db: Database,
) -> None:
    """A catch-up over many customers raises tens of thousands of tasks in one step: looking
    them up names more subjects than SQLite binds parameters in one statement (32,766 as
    SQLite is built by default; some builds allow more, so the limit is set here)."""
    if db.engine.dialect.name == "sqlite":

        @event.listens_for(db.engine, "connect")
        def default_limit(connection: Any, _record: Any) -> None:
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_DEFAULT_VARIABLES)

        db.engine.dispose()
    many = _chases(1, 40_000)
    with db.write() as session:
        assert len(raise_tasks(session, WORKFLOWS, many, actor="scheduler")) == len(many)
    with db.write() as session:
        assert raise_tasks(session, WORKFLOWS, many, actor="scheduler") == []
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == len(many)
        assert session.scalar(
            select(func.count()).select_from(Event).where(Event.entity_type == "task")
        ) == len(many)


def test_a_task_another_scheduler_raised_meanwhile_is_neither_stored_nor_journalled_twice(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the look for the tasks already there and the insert, another process raised one
    of them: the insert of them all fails on that key and is undone, and only the others go in
    (with the rest of the transaction intact)."""
    others = _chases(8, COPY_FROM)
    with db.write() as session:
        [theirs] = raise_tasks(session, WORKFLOWS, [CHASE], actor="scheduler-2")
    looked = tasks._existing
    calls: list[int] = []

    def missed_at_first(session: Session, keys: Collection[tasks.Key]) -> dict[tasks.Key, int]:
        calls.append(len(keys))
        return {} if len(calls) == 1 else looked(session, keys)

    monkeypatch.setattr(tasks, "_existing", missed_at_first)
    with db.write() as session:
        ours = raise_tasks(session, WORKFLOWS, [CHASE, *others], actor="scheduler")
        also = raise_tasks(session, WORKFLOWS, _chases(100, 1), actor="scheduler")
    assert theirs not in ours and len(ours) == len(others) and len(also) == 1
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Task)) == len(others) + 2
        actors = session.execute(
            select(Event.entity_id, Event.actor).where(Event.entity_type == "task")
        ).all()
    assert sorted(actors) == sorted(
        [(theirs, "scheduler-2"), *((i, "scheduler") for i in [*ours, *also])]
    )
