"""Judging promises to pay (R30): once a promise's grace has passed, what the customer paid from
the day it promised to the end of the grace (its payments less their reversals, as the ledger
booked them) makes it kept, partly kept or broken. One aggregate query for all promises due."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.collection.models import CollectionTask, PromiseToPay
from service.db import Money
from service.ledger import LedgerEntry
from service.scheduler.jobs import JobRun
from service.workflow import RowRef

PAYMENTS = ("payment", "payment_reversal")
TRIGGERS = {"kept": "keep", "partly_kept": "partly_keep", "broken": "break"}


def outcome(promised: Decimal, received: Decimal) -> str:
    if received >= promised:
        return "kept"
    return "partly_kept" if received > 0 else "broken"


_DUE = (
    select(
        PromiseToPay.id,
        PromiseToPay.task_id,
        PromiseToPay.amount,
        func.coalesce(-func.sum(LedgerEntry.amount, type_=Money), Decimal("0.00")),
    )
    .outerjoin(
        LedgerEntry,
        and_(
            LedgerEntry.customer_id == PromiseToPay.customer_id,
            LedgerEntry.kind.in_(PAYMENTS),
            LedgerEntry.business_date >= PromiseToPay.made_on,
            LedgerEntry.business_date <= PromiseToPay.grace_until,
        ),
    )
    .where(PromiseToPay.outcome == "open", PromiseToPay.grace_until < bindparam("today"))
    .group_by(PromiseToPay.id, PromiseToPay.task_id, PromiseToPay.amount)
)

_JUDGE = (
    update(PromiseToPay)
    .where(PromiseToPay.id == bindparam("promise_id"))
    .values(outcome=bindparam("judged"), received=bindparam("got"), judged_on=bindparam("day"))
)


def judge(session: Session, run: JobRun, actor: Actor) -> dict[int, int]:
    """Judge every promise whose grace is over; move its task (if still promised) and answer
    the broken ones' tasks' ids -> promise id (a new task follows them)."""
    today = run.today
    due = session.execute(_DUE, {"today": today}).all()
    if not due:
        return {}
    judged = {
        pid: (task_id, outcome(Decimal(amount), Decimal(got)), Decimal(got))
        for pid, task_id, amount, got in due
    }
    session.connection().execute(
        _JUDGE.execution_options(synchronize_session=False),
        [
            {"promise_id": pid, "judged": verdict, "got": got, "day": today}
            for pid, (_task, verdict, got) in judged.items()
        ],
    )
    tasks = {
        row.id: row
        for row in session.execute(
            select(CollectionTask.id, CollectionTask.state, CollectionTask.version).where(
                CollectionTask.id.in_([task for task, _v, _g in judged.values()])
            )
        )
    }
    for verdict, trigger in TRIGGERS.items():
        refs = [
            RowRef(CollectionTask, task, tasks[task].state, tasks[task].version)
            for task, found, _got in judged.values()
            if found == verdict and task in tasks and tasks[task].state == "promised"
        ]
        run.workflows.fire_many(
            session,
            refs,
            trigger,
            actor=actor,
            today=today,
            payload={"promise": verdict},
        )
    return {task: pid for pid, (task, verdict, _got) in judged.items() if verdict == "broken"}
