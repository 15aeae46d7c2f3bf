"""Raise tasks idempotently, list a role's queue, and move tasks through their lifecycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.db import utcnow
from service.errors import NotFound
from service.journal import Event, jsonable
from service.tasks.guards import TaskContext
from service.tasks.models import Task
from service.workflow import Workflows

MACHINE = "task"
CHUNK = 500


@dataclass(frozen=True)
class NewTask:
    """A task to raise; (kind, subject_type, subject_id, period) is its identity."""

    kind: str
    subject_type: str
    subject_id: int
    period: str
    owner_role: str
    title: str
    due_at: datetime
    detail: dict[str, Any]


def _insert_ignoring_duplicates(session: Session) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Task).on_conflict_do_nothing(constraint="uq_tasks_key")
    return sqlite.insert(Task).on_conflict_do_nothing(
        index_elements=["kind", "subject_type", "subject_id", "period"]
    )


def raise_tasks(session: Session, tasks: Sequence[NewTask], *, actor: str) -> list[int]:
    """Insert the tasks that do not exist yet; journal each one created. Returns their ids.

    The unique key decides: a rerun, a catch-up or a second scheduler at the same moment inserts
    nothing twice (INSERT ... ON CONFLICT DO NOTHING), and only rows really inserted are journalled.
    """
    created: list[int] = []
    now = utcnow()
    for start in range(0, len(tasks), CHUNK):
        rows = [
            {
                **asdict(t),
                "detail": jsonable(t.detail),
                "state": "open",
                "resolution": "",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for t in tasks[start : start + CHUNK]
        ]
        stmt = _insert_ignoring_duplicates(session).values(rows).returning(Task.id, Task.kind)
        inserted = session.execute(stmt).all()
        if inserted:
            session.execute(
                insert(Event),
                [
                    {
                        "entity_type": MACHINE,
                        "entity_id": task_id,
                        "trigger": "raise",
                        "from_state": None,
                        "to_state": "open",
                        "actor": actor,
                        "occurred_at": now,
                        "payload": {"kind": kind},
                        "decisions": [],
                    }
                    for task_id, kind in inserted
                ],
            )
        created.extend(task_id for task_id, _kind in inserted)
    return created


def load(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"no task {task_id}", field="task_id")
    return task


def queue(
    session: Session,
    *,
    roles: Sequence[str],
    states: Sequence[str],
    kind: str | None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    limit: int,
    offset: int,
) -> list[Task]:
    """Tasks owned by any of `roles`, soonest due first."""
    stmt = (
        select(Task)
        .where(Task.owner_role.in_(roles), Task.state.in_(states))
        .order_by(Task.due_at, Task.id)
        .limit(limit)
        .offset(offset)
    )
    if kind:
        stmt = stmt.where(Task.kind == kind)
    if subject_type:
        stmt = stmt.where(Task.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(Task.subject_id == subject_id)
    return list(session.scalars(stmt))


def fire(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    task: Task,
    trigger: str,
    note: str = "",
    expected_version: int | None = None,
) -> Task:
    """Move a task: take (assign to me), release, close, resolve or cancel it, with a note."""
    workflows.fire(
        session,
        MACHINE,
        task,
        trigger,
        actor=actor,
        context=TaskContext(task=task, actor=actor),
        expected_version=expected_version,
        payload={"note": note} if note else {},
    )
    if trigger == "take":
        task.assignee = actor.username
    elif trigger == "release":
        task.assignee = None
    if task.state in {"done", "cancelled"}:
        task.closed_at = utcnow()
        task.resolution = note
    session.flush()
    return task


_LIVE_FOR_SUBJECT = select(Task).where(
    Task.kind == bindparam("kind"),
    Task.subject_type == bindparam("subject_type"),
    Task.subject_id == bindparam("subject_id"),
    Task.state.in_(["open", "in_progress"]),
)


def resolve_for_subject(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    kind: str,
    subject_type: str,
    subject_id: int,
    note: str,
) -> int:
    """Resolve the live tasks of a kind about a subject whose condition went away."""
    live = session.scalars(
        _LIVE_FOR_SUBJECT, {"kind": kind, "subject_type": subject_type, "subject_id": subject_id}
    ).all()
    for task in live:
        fire(session, actor=actor, workflows=workflows, task=task, trigger="resolve", note=note)
    return len(live)
