"""R30-R31's daily job: find who calls for collection, raise each task once, follow the tasks.

One run, as of a moment (on PostgreSQL holding an advisory lock; a run the same day with
nothing new since the last complete run stops at once, `marks`):
1. judges the promises to pay whose grace is over (kept, partly kept, broken);
2. scans the three conditions set-based (`scans`: two queries), leaving out the customers
   handed to audit & legal (清欠户: ordinary reminders stop);
3. (`follow`) resolves the live tasks whose condition went away (a payment cleared the debt)
   and reopens those resolved in their window whose condition came back (a payment reversed);
4. escalates the tasks unresolved longer than the rules allowed, one step of R31's ladder per
   period of `escalate_after_days` (a catch-up climbs the steps it missed);
5. decides with the collection rules once per distinct combination of banded facts and raises the
   tasks for the conditions with no live task, keyed (condition, customer, period): the period is
   the repeat window the day falls in (a broken promise's task: that promise), so a rerun, a
   catch-up or a second scheduler raises nothing twice (INSERT ... ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from service.collection import decide as rules
from service.collection import marks
from service.collection.follow import SCHEDULER, TASKS, follow
from service.collection.history import History, histories
from service.collection.models import CollectionTask
from service.collection.promises import judge
from service.collection.scans import Found, scan
from service.collection.storing import insert_tasks
from service.db import utcnow
from service.masterdata.models import Customer
from service.rulesets.registry import process_rules
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun

JOB = "collection"
# Repeat windows are counted from this Monday.
EPOCH = date(2001, 1, 1)
GRACE_DAYS, ALLOWED_AGE, BUCKETS = 3, {"A": 180, "B": 120, "C": 90}, (30, 60, 90, 180)
# The customer states whose receivables the job collects on (not those handed to legal).
COLLECTED = ("active", "suspended")
# The advisory lock the collection job holds on PostgreSQL while it runs ("o2c-coll").
LOCK_KEY = 0x6F3263636F6C6C


def window(today: date, repeat_days: int) -> date:
    """The first day of the repeat window `today` falls in."""
    return EPOCH + timedelta(days=(today - EPOCH).days // repeat_days * repeat_days)


def _customers(session: Session, ids: Sequence[int]) -> dict[int, Any]:
    if not ids:
        return {}
    found = session.execute(
        select(Customer.id, Customer.code, Customer.grade, Customer.state).where(
            Customer.id.in_(bindparam("ids", expanding=True))
        ),
        {"ids": list(ids)},
    )
    return {row.id: row for row in found}


def _plans(
    run: JobRun, found: Sequence[Found], customers: dict[int, Any], past: dict[int, History]
) -> list[tuple[Found, rules.Plan]]:
    """The rules' plan for each condition, decided once per distinct combination of facts."""
    settings = run.settings
    buckets = settings.ageing_buckets if settings else BUCKETS
    source = process_rules(run.settings)
    decided: dict[tuple[Any, ...], rules.Plan | None] = {}
    planned = []
    for f in found:
        history = past.get(f.customer_id, History())
        seen = rules.facts(
            f.condition,
            f.days,
            f.amount,
            customers[f.customer_id].grade,
            buckets=buckets,
            average_days_late=history.average_days_late,
            broken_promises=history.broken_promises,
            promise_open=history.promise_open,
        )
        key = tuple(seen.values())
        if key not in decided:
            decided[key] = rules.decide(source, run.today, seen)
        plan = decided[key]
        if plan is not None:
            planned.append((f, plan))
    return planned


def _raise(
    session: Session,
    run: JobRun,
    planned: Sequence[tuple[Found, rules.Plan]],
    broken: dict[tuple[str, int], int],
) -> list[int]:
    today, now = run.today, utcnow()
    rows = [
        {
            "condition": f.condition,
            "customer_id": f.customer_id,
            "period": (
                f"promise-{broken[(f.condition, f.customer_id)]}"
                if (f.condition, f.customer_id) in broken
                else window(today, plan.repeat_days).isoformat()
            ),
            "owner_role": plan.owner_role,
            "level": plan.level,
            "priority": plan.priority,
            "due_on": today + timedelta(days=plan.deadline_days),
            "repeat_days": plan.repeat_days,
            "escalate_after_days": plan.escalate_after_days,
            "amount": f.amount,
            "days_overdue": max(f.days, 0),
            "decision": plan.decision,
        }
        for f, plan in planned
    ]
    shared = run.workflows.initial(CollectionTask) | {
        "raised_on": today,
        "level_since": today,
        "resolution": "",
        "created_at": now,
        "updated_at": now,
    }
    inserted = insert_tasks(session, rows, shared)
    made = {(f.condition, f.customer_id): plan.journalled for f, plan in planned}
    decisions = {task_id: [made[(c, customer)]] for task_id, c, customer in inserted}
    run.workflows.created(
        session,
        CollectionTask,
        [(task_id, {"condition": c, "customer_id": customer}) for task_id, c, customer in inserted],
        actor=SCHEDULER_ACTOR,
        how="raise",
        business_date=run.today,
        decisions=decisions,
    )
    return [task_id for task_id, _c, _customer in inserted]


def _one_at_a_time(session: Session) -> None:
    """Two schedulers at once: on PostgreSQL the second waits for the first to commit (a lock
    held to the end of the transaction), then finds its work done; SQLite has one writer."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def collection(session: Session, run: JobRun) -> JobResult:
    """R30-R31: every condition calling for collection has its task, once; tasks follow."""
    result = JobResult(JOB, run.as_of)
    _one_at_a_time(session)
    settings = run.settings
    allowed = dict(settings.collection_allowed_age_days) if settings else ALLOWED_AGE
    buckets = settings.ageing_buckets if settings else BUCKETS
    try:
        checksum = process_rules(run.settings).in_force(rules.RULESET, run.today).checksum
    except LookupError:
        checksum = "none"
    printed = marks.fingerprint(allowed, buckets, checksum)
    if marks.unchanged(session, marks.now(session, run.today, printed)):
        return result  # nothing new since the last complete run today
    broken_tasks = judge(session, run, SCHEDULER)
    found = scan(session, run.today, allowed)
    customers = _customers(session, sorted({f.customer_id for f in found}))
    found = [f for f in found if customers[f.customer_id].state in COLLECTED]
    present = {(f.condition, f.customer_id): f for f in found}
    result.candidates = len(present)
    broken: dict[tuple[str, int], int] = {}
    if broken_tasks:
        for r in session.execute(TASKS.where(CollectionTask.id.in_(list(broken_tasks)))):
            broken[(r.condition, r.customer_id)] = broken_tasks[r.id]
    held = follow(session, run, present)
    waiting = [f for f in found if (f.condition, f.customer_id) not in held]
    past = histories(session, sorted({f.customer_id for f in waiting}), run.today)
    result.raised = _raise(session, run, _plans(run, waiting, customers, past), broken)
    marks.keep(session, marks.now(session, run.today, printed))
    return result
