"""Following the collection tasks already there (the daily job's step 3 and 4): resolve those
whose condition went away, reopen those resolved in their window whose condition came back,
escalate those unresolved too long one step of R31's ladder per period (a catch-up climbs the
steps it missed). Each moves by its lifecycle, many at once (`fire_many`), journalled."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.collection import decide as rules
from service.collection.models import CollectionTask
from service.collection.scans import Found
from service.scheduler.jobs import SCHEDULER_ACTOR, JobRun
from service.workflow import RowRef

SCHEDULER = Actor(user_id=0, username=SCHEDULER_ACTOR, roles=frozenset({"scheduler"}))
LONGEST_WINDOW = timedelta(days=366)

TASKS = select(
    CollectionTask.id,
    CollectionTask.condition,
    CollectionTask.customer_id,
    CollectionTask.state,
    CollectionTask.version,
    CollectionTask.level,
    CollectionTask.level_since,
    CollectionTask.escalate_after_days,
    CollectionTask.raised_on,
    CollectionTask.repeat_days,
)


def _refs(rows: Iterable[Any]) -> list[RowRef]:
    return [RowRef(CollectionTask, r.id, r.state, r.version) for r in rows]


def _fire(session: Session, run: JobRun, rows: Sequence[Any], trigger: str, **payload: Any) -> None:
    run.workflows.fire_many(
        session, _refs(rows), trigger, actor=SCHEDULER, today=run.today, payload=payload
    )


def follow(
    session: Session, run: JobRun, present: dict[tuple[str, int], Found]
) -> set[tuple[str, int]]:
    """Resolve, reopen and escalate the tasks already there; the conditions with a live task."""
    today = run.today
    live_states = run.workflows.tagged(CollectionTask, "live")
    ids = sorted({customer for _c, customer in present})
    rows = session.execute(
        TASKS.where(
            or_(
                CollectionTask.state.in_(live_states),
                (CollectionTask.state == "resolved")
                & CollectionTask.customer_id.in_(bindparam("ids", expanding=True))
                & (CollectionTask.raised_on >= today - LONGEST_WINDOW),
            )
        ),
        {"ids": ids},
    ).all()
    live = [r for r in rows if r.state in live_states]
    gone = [r for r in live if (r.condition, r.customer_id) not in present]
    _fire(session, run, gone, "resolve", note=f"condition gone as of {today}")
    if gone:
        session.execute(
            update(CollectionTask)
            .where(CollectionTask.id.in_([r.id for r in gone]))
            .values(resolution=f"condition gone as of {today}")
            .execution_options(synchronize_session=False)
        )
    held = {(r.condition, r.customer_id) for r in live if (r.condition, r.customer_id) in present}
    back: dict[tuple[str, int], Any] = {}
    for r in rows:
        key = (r.condition, r.customer_id)
        in_window = r.raised_on + timedelta(days=r.repeat_days) > today
        if r.state == "resolved" and key in present and key not in held and in_window:
            back.setdefault(key, r)
    _fire(session, run, list(back.values()), "reopen", note=f"condition back as of {today}")
    held |= set(back)
    _escalate(session, run, [r for r in live if (r.condition, r.customer_id) in present])
    return held


def _escalate(session: Session, run: JobRun, live: Sequence[Any]) -> None:
    """Each task unresolved `escalate_after_days` since it last changed hands climbs a step per
    such period (at most to audit & legal); a promise running holds it where it is."""
    today, top = run.today, len(rules.LADDER) - 1
    climbs: dict[int, list[tuple[Any, date]]] = {}
    for r in live:
        if r.state == "promised" or r.level >= top:
            continue
        steps = (today - r.level_since).days // r.escalate_after_days
        if steps > 0:
            level = min(r.level + steps, top)
            since = r.level_since + timedelta(days=steps * r.escalate_after_days)
            climbs.setdefault(level, []).append((r, since))
    for level, moved in sorted(climbs.items()):
        role = rules.LADDER[level]
        _fire(session, run, [r for r, _ in moved], "escalate", owner_role=role, level=level)
        session.connection().execute(
            update(CollectionTask)
            .where(CollectionTask.id == bindparam("task_id"))
            .values(
                owner_role=role,
                level=level,
                level_since=bindparam("since"),
                assignee=None,
                due_on=bindparam("since"),
            ),
            [{"task_id": r.id, "since": since} for r, since in moved],
        )
