"""Raise tasks idempotently and resolve them when their condition goes away.

Every feature raises follow-up work through here (the scheduler's jobs, a rule): a task is keyed by
(kind, subject, period), so a rerun, a catch-up or a second scheduler at the same moment inserts
nothing twice (INSERT ... ON CONFLICT DO NOTHING on that key), and only rows really inserted are
journalled. The people's side (take, release, close) is the tasks feature.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.context import Context
from service.db import utcnow
from service.journal import jsonable
from service.scheduler.models import Task
from service.workflow import Workflows
from workflows import Firing, Flow

BATCH = 20


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


def raise_tasks(
    session: Session, workflows: Workflows, tasks: Sequence[NewTask], *, actor: str
) -> list[int]:
    """Insert the tasks that do not exist yet and journal each one created; their ids."""
    if not tasks:
        return []
    now = utcnow()
    initial = workflows.initial(Task)
    # Shallow (dataclasses.asdict deep-copies every detail): the detail is made JSON-safe anyway.
    rows = [
        {
            **{f.name: getattr(t, f.name) for f in fields(NewTask)},
            **initial,
            "detail": jsonable(t.detail),
            "resolution": "",
            "created_at": now,
            "updated_at": now,
        }
        for t in tasks
    ]
    # One compiled statement run with many rows, in batches; only the rows really inserted come
    # back. Small batches: PostgreSQL prepares a statement it is sent again and again, and plans
    # a large multi-row INSERT ... RETURNING anew each time (at 1,000 rows a batch, 2-4 times
    # slower here).
    stmt = (
        _insert_ignoring_duplicates(session)
        .returning(Task.id, Task.kind)
        .execution_options(insertmanyvalues_page_size=BATCH)
    )
    inserted = session.connection().execute(stmt, rows).all()
    workflows.created(
        session, Task, [(i, {"kind": kind}) for i, kind in inserted], actor=actor, how="raise"
    )
    return [task_id for task_id, _kind in inserted]


def settle(task: Task, firing: Firing, *, actor: str, note: str, flow: Flow) -> None:
    """What a task's new state means for its other columns, read from the lifecycle's tags:
    entering an `assigned` state gives it to the actor, an unassigned live state frees it, a
    `closed` state stamps the closing time and keeps the note."""
    if flow.has_tag(firing.dest, "closed"):
        task.closed_at = utcnow()
        task.resolution = note
    elif flow.has_tag(firing.dest, "assigned"):
        if not flow.has_tag(firing.source, "assigned"):
            task.assignee = actor
    else:
        task.assignee = None


_LIVE_FOR_SUBJECT = select(Task).where(
    Task.kind == bindparam("kind"),
    Task.subject_type == bindparam("subject_type"),
    Task.subject_id == bindparam("subject_id"),
    Task.state.in_(bindparam("live", expanding=True)),
)


def resolve_for_subject(
    session: Session, ctx: Context, *, kind: str, subject_type: str, subject_id: int, note: str
) -> int:
    """Resolve the live tasks of a kind about a subject whose condition went away."""
    live = session.scalars(
        _LIVE_FOR_SUBJECT,
        {
            "kind": kind,
            "subject_type": subject_type,
            "subject_id": subject_id,
            "live": list(ctx.workflows.tagged(Task, "live")),
        },
    ).all()
    for task in live:
        firing = ctx.fire(session, task, "resolve", payload={"note": note})
        settle(task, firing, actor=ctx.actor.username, note=note, flow=ctx.workflows.flow(Task))
    return len(live)
