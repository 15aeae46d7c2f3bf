"""Raise tasks idempotently and resolve them when their condition goes away.

Every feature raises follow-up work through here (the scheduler's jobs, a rule): a task is keyed by
(kind, subject, period), so a rerun, a catch-up or a second scheduler at the same moment inserts
nothing twice (the unique key), and only rows really inserted are journalled. A run's tasks go in
one step: the keys already there are looked up and the rest inserted at once (one COPY on
PostgreSQL) under a savepoint; if another scheduler inserted one of them in between, that insert
fails on the key and is undone, and they go in with INSERT ... ON CONFLICT DO NOTHING ...
RETURNING instead. The people's side (take, release, close) is the tasks feature.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Insert, bindparam, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.context import Context
from service.db import among, table_of, utcnow
from service.journal import jsonable
from service.prepared import Prepared
from service.scheduler.models import Task
from service.workflow import Workflows
from workflows import Firing, Flow

BATCH = 20


@dataclass(frozen=True)
class NewTask:
    """A task to raise; (kind, subject_type, subject_id, period) is its identity. `title` is
    English (the API, the journal); `words` the same in a catalog's words, `{"code": ...,
    "params": {...}}` (see `words`), which the pages show in the reader's language."""

    kind: str
    subject_type: str
    subject_id: int
    period: str
    owner_role: str
    title: str
    due_at: datetime
    detail: dict[str, Any]
    words: dict[str, Any] | None = None


def words(code: str, **params: Any) -> dict[str, Any]:
    """A task's title in a catalog's words: its code and the values it names."""
    return {"code": code, "params": params}


Key = tuple[str, str, int, str]
_GIVEN = tuple(f.name for f in fields(NewTask) if f.name != "words")
_COLUMNS = (*_GIVEN, "title_words", "state", "version", "resolution", "created_at", "updated_at")
# Many rows at once on the driver's cursor (a COPY on PostgreSQL), no RETURNING: SQLite's
# executemany takes none, and PostgreSQL plans a many-row INSERT ... RETURNING anew per batch.
_INSERT = Prepared(insert(table_of(Task)), keys=_COLUMNS)


def _insert_ignoring_duplicates(session: Session) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(Task).on_conflict_do_nothing(constraint="uq_tasks_key")
    return sqlite.insert(Task).on_conflict_do_nothing(
        index_elements=["kind", "subject_type", "subject_id", "period"]
    )


def _key(task: NewTask) -> Key:
    return (task.kind, task.subject_type, task.subject_id, task.period)


def _existing(session: Session, keys: Collection[Key]) -> dict[Key, int]:
    """The tasks of these keys already there, by key (one query through the key's index)."""
    found = session.connection().execute(
        select(Task.kind, Task.subject_type, Task.subject_id, Task.period, Task.id).where(
            Task.kind.in_(sorted({k[0] for k in keys})),
            Task.subject_type.in_(sorted({k[1] for k in keys})),
            among(session, Task.subject_id, sorted({k[2] for k in keys})),
            Task.period.in_(sorted({k[3] for k in keys})),
        )
    )
    return {(kind, st, sid, period): i for kind, st, sid, period, i in found}


def _rows(workflows: Workflows, tasks: Sequence[NewTask]) -> list[dict[str, Any]]:
    now = utcnow()
    common = workflows.initial(Task) | {"resolution": "", "created_at": now, "updated_at": now}
    # Shallow (dataclasses.asdict deep-copies every detail): the detail is made JSON-safe anyway.
    return [
        {name: getattr(t, name) for name in _GIVEN}
        | common
        | {"detail": jsonable(t.detail), "title_words": jsonable(t.words) if t.words else None}
        for t in tasks
    ]


def raise_tasks(
    session: Session,
    workflows: Workflows,
    tasks: Sequence[NewTask],
    *,
    actor: str,
    business_date: date | None = None,
) -> list[int]:
    """Insert the tasks that do not exist yet and journal each one created on `business_date`
    (default: today); their ids."""
    if not tasks:
        return []
    wanted: dict[Key, NewTask] = {}
    for task in tasks:
        wanted.setdefault(_key(task), task)
    there = _existing(session, wanted)
    new = [t for k, t in wanted.items() if k not in there]
    if not new:
        return []
    rows = _rows(workflows, new)
    try:
        with session.begin_nested():
            _INSERT.insert_many(session.connection(), rows)
        found = _existing(session, [_key(t) for t in new])
        inserted = [(found[_key(t)], t.kind) for t in new]
    except IntegrityError:
        # Another process raised some of them since the look above (two schedulers at once):
        # again with ON CONFLICT DO NOTHING and RETURNING, so that only those inserted come back.
        stmt = (
            _insert_ignoring_duplicates(session)
            .returning(Task.id, Task.kind)
            .execution_options(insertmanyvalues_page_size=BATCH)
        )
        inserted = [(i, kind) for i, kind in session.connection().execute(stmt, rows).all()]
    workflows.created(
        session,
        Task,
        [(i, {"kind": kind}) for i, kind in inserted],
        actor=actor,
        how="raise",
        business_date=business_date,
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
