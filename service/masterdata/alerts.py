"""R27/R28 deadline alerts: HQ is told, by a task, of what must be renewed or replaced before
settlement is blocked.

Four conditions, each a task kind for `hq` (who keeps contracts and powers of attorney):

- `contract_expiring`: a contract ends within `contract_expiry_alert_days` (or has ended) and the
  customer has no later contract (R27: an expired contract blocks settlement);
- `attorney_expiring`: a power of attorney not revoked ends within `attorney_expiry_alert_days`
  (or has ended) and no later one for the same person at the customer continues it;
- `attorney_outlives_contract`: a power of attorney not revoked lasts beyond its contract's end
  (R28: valid no longer than the contract);
- `attorney_person_left`: the person named has left the customer (recorded by sales or HQ).

Each is keyed (kind, subject, period) — the period is the end date in question, or the day the
person left — so the daily job, a rerun, a catch-up or two schedulers raise it once. The job and
every master-data change of the customer (`refresh`) compare the live tasks with the conditions
that hold now: a task whose condition went away (contract renewed or extended, power of attorney
continued, replaced or revoked) is resolved by itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from service.auth.tokens import Actor
from service.context import Context
from service.errors import Conflict
from service.masterdata.models import Contract, Customer, PowerOfAttorney
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, raise_tasks, settle, words
from service.workflow import Workflows

JOB = "deadline_alerts"
CONTRACT_EXPIRING = "contract_expiring"
ATTORNEY_EXPIRING = "attorney_expiring"
ATTORNEY_OUTLIVES_CONTRACT = "attorney_outlives_contract"
ATTORNEY_PERSON_LEFT = "attorney_person_left"
KINDS = (CONTRACT_EXPIRING, ATTORNEY_EXPIRING, ATTORNEY_OUTLIVES_CONTRACT, ATTORNEY_PERSON_LEFT)
OWNER_ROLE = "hq"
SCHEDULER = Actor(user_id=0, username=SCHEDULER_ACTOR, roles=frozenset({"scheduler"}))

Key = tuple[str, str, int, str]
LAST_DAY = date(9999, 12, 31)


@dataclass(frozen=True)
class Which:
    """Whose alerts: all (the defaults), one customer's, or those of some subjects."""

    customer_id: int | None = None
    contract_ids: list[int] | None = None
    attorney_ids: list[int] | None = None


@dataclass(frozen=True)
class Horizon:
    """Where the alerts are judged: the business date, days ahead for contracts and for powers
    of attorney, and the time zone of the tasks' due times."""

    today: date
    contract_days: int
    attorney_days: int
    tz: ZoneInfo

    def unbounded(self) -> Horizon:
        """The same day with no window: whether an alert still holds at all, however far its
        end (a task is resolved when its condition went away, not when a setting shrank)."""
        days = (LAST_DAY - self.today).days
        return Horizon(self.today, days, days, self.tz)

    def due(self, day: date) -> datetime:
        """End of the working day `day`, or of today when `day` has passed."""
        return datetime.combine(max(day, self.today), time(18, 0), tzinfo=self.tz)


def _contracts_ending(session: Session, horizon: Horizon, which: Which) -> Sequence[Any]:
    """Contracts ending by the horizon with no later contract of their customer."""
    later = aliased(Contract)
    renewed = exists().where(
        later.customer_id == Contract.customer_id, later.valid_from > Contract.valid_to
    )
    query = (
        select(
            Contract.id,
            Contract.contract_no,
            Contract.valid_to,
            Contract.customer_id,
            Customer.code.label("customer_code"),
        )
        .join(Customer, Customer.id == Contract.customer_id)
        .where(Contract.valid_to <= horizon.today + timedelta(days=horizon.contract_days), ~renewed)
    )
    if which.customer_id is not None:
        query = query.where(Contract.customer_id == which.customer_id)
    if which.contract_ids is not None:
        query = query.where(Contract.id.in_(which.contract_ids))
    return session.execute(query.order_by(Contract.id)).all()


def _attorneys_alerted(session: Session, horizon: Horizon, which: Which) -> Sequence[Any]:
    """Powers of attorney not revoked that end by the horizon, outlive their contract, or name
    a person who left, with which of these holds."""
    later = aliased(PowerOfAttorney)
    continued = (
        exists()
        .where(
            later.customer_id == PowerOfAttorney.customer_id,
            later.id != PowerOfAttorney.id,
            later.attorney_name == PowerOfAttorney.attorney_name,
            later.revoked_at.is_(None),
            later.valid_to > PowerOfAttorney.valid_to,
        )
        .correlate(PowerOfAttorney)
    )
    ending: ColumnElement[bool] = and_(
        PowerOfAttorney.valid_to <= horizon.today + timedelta(days=horizon.attorney_days),
        ~continued,
    )
    query = (
        select(
            PowerOfAttorney.id,
            PowerOfAttorney.attorney_name,
            PowerOfAttorney.valid_to,
            PowerOfAttorney.person_left_on,
            PowerOfAttorney.person_left_note,
            PowerOfAttorney.customer_id,
            Contract.contract_no,
            Contract.valid_to.label("contract_valid_to"),
            Customer.code.label("customer_code"),
            continued.label("continued"),
        )
        .join(Customer, Customer.id == PowerOfAttorney.customer_id)
        .outerjoin(Contract, Contract.id == PowerOfAttorney.contract_id)
        .where(
            PowerOfAttorney.revoked_at.is_(None),
            or_(
                ending,
                PowerOfAttorney.valid_to > Contract.valid_to,
                PowerOfAttorney.person_left_on.is_not(None),
            ),
        )
    )
    if which.customer_id is not None:
        query = query.where(PowerOfAttorney.customer_id == which.customer_id)
    if which.attorney_ids is not None:
        query = query.where(PowerOfAttorney.id.in_(which.attorney_ids))
    return session.execute(query.order_by(PowerOfAttorney.id)).all()


# A task's title in words, by whether the end date lies ahead or has passed.
CONTRACT_TITLES = {"ends": "tasks.title.contract_ends", "ended": "tasks.title.contract_ended"}
ATTORNEY_TITLES = {"ends": "tasks.title.attorney_ends", "ended": "tasks.title.attorney_ended"}


def _contract_task(row: Any, horizon: Horizon) -> NewTask:
    verb = "ended" if row.valid_to < horizon.today else "ends"
    return NewTask(
        kind=CONTRACT_EXPIRING,
        subject_type="contract",
        subject_id=row.id,
        period=row.valid_to.isoformat(),
        owner_role=OWNER_ROLE,
        title=(
            f"Contract {row.contract_no} of {row.customer_code} {verb} on {row.valid_to} with no "
            "later contract: renew it before settlement is blocked (R27)"
        ),
        due_at=horizon.due(row.valid_to),
        words=words(
            CONTRACT_TITLES[verb],
            contract=row.contract_no,
            customer=row.customer_code,
            date=row.valid_to,
        ),
        detail={
            "customer_code": row.customer_code,
            "contract_id": row.id,
            "contract_no": row.contract_no,
            "valid_to": row.valid_to,
        },
    )


def _attorney_tasks(row: Any, horizon: Horizon) -> list[NewTask]:
    detail = {
        "customer_code": row.customer_code,
        "attorney_id": row.id,
        "attorney_name": row.attorney_name,
        "valid_to": row.valid_to,
        "contract_no": row.contract_no,
        "contract_valid_to": row.contract_valid_to,
    }
    who = f"Power of attorney {row.id} ({row.attorney_name}) of {row.customer_code}"
    named = {"id": row.id, "name": row.attorney_name, "customer": row.customer_code}
    tasks = []
    if row.valid_to <= horizon.today + timedelta(days=horizon.attorney_days) and not row.continued:
        verb = "ended" if row.valid_to < horizon.today else "ends"
        tasks.append(
            NewTask(
                kind=ATTORNEY_EXPIRING,
                subject_type="power_of_attorney",
                subject_id=row.id,
                period=row.valid_to.isoformat(),
                owner_role=OWNER_ROLE,
                title=f"{who} {verb} on {row.valid_to}: renew or replace it (R28)",
                due_at=horizon.due(row.valid_to),
                words=words(ATTORNEY_TITLES[verb], **named, date=row.valid_to),
                detail=detail,
            )
        )
    if row.contract_valid_to is not None and row.valid_to > row.contract_valid_to:
        tasks.append(
            NewTask(
                kind=ATTORNEY_OUTLIVES_CONTRACT,
                subject_type="power_of_attorney",
                subject_id=row.id,
                period=row.contract_valid_to.isoformat(),
                owner_role=OWNER_ROLE,
                title=(
                    f"{who} runs to {row.valid_to}, beyond its contract {row.contract_no} "
                    f"(ends {row.contract_valid_to}): replace it within the contract (R28)"
                ),
                due_at=horizon.due(horizon.today + timedelta(days=1)),
                words=words(
                    "tasks.title.attorney_outlives_contract",
                    **named,
                    date=row.valid_to,
                    contract=row.contract_no,
                    contract_ends=row.contract_valid_to,
                ),
                detail=detail,
            )
        )
    if row.person_left_on is not None:
        tasks.append(
            NewTask(
                kind=ATTORNEY_PERSON_LEFT,
                subject_type="power_of_attorney",
                subject_id=row.id,
                period=row.person_left_on.isoformat(),
                owner_role=OWNER_ROLE,
                title=(
                    f"{who}: {row.attorney_name} left the customer on {row.person_left_on}; "
                    "replace it (R28)"
                ),
                due_at=horizon.due(horizon.today + timedelta(days=1)),
                words=words("tasks.title.attorney_person_left", **named, date=row.person_left_on),
                detail={**detail, "left_on": row.person_left_on, "note": row.person_left_note},
            )
        )
    return tasks


def alerts_due(session: Session, horizon: Horizon, which: Which | None = None) -> list[NewTask]:
    """The alerts whose condition holds now (of all, of one customer, or of some subjects)."""
    which = which or Which()
    tasks = []
    if which.contract_ids is None or which.contract_ids:
        ending = _contracts_ending(session, horizon, which)
        tasks = [_contract_task(row, horizon) for row in ending]
    if which.attorney_ids is None or which.attorney_ids:
        alerted = _attorneys_alerted(session, horizon, which)
    else:
        alerted = []
    for row in alerted:
        tasks.extend(_attorney_tasks(row, horizon))
    return tasks


def _live(session: Session, workflows: Workflows, customer_id: int | None) -> list[Task]:
    query = select(Task).where(Task.kind.in_(KINDS), Task.state.in_(workflows.tagged(Task, "live")))
    if customer_id is not None:
        contracts = select(Contract.id).where(Contract.customer_id == customer_id)
        attorneys = select(PowerOfAttorney.id).where(PowerOfAttorney.customer_id == customer_id)
        query = query.where(
            or_(
                and_(Task.subject_type == "contract", Task.subject_id.in_(contracts)),
                and_(Task.subject_type == "power_of_attorney", Task.subject_id.in_(attorneys)),
            )
        )
    return list(session.scalars(query.order_by(Task.id)))


def _key(task: Task | NewTask) -> Key:
    return (task.kind, task.subject_type, task.subject_id, task.period)


def resolve_gone(
    session: Session,
    workflows: Workflows,
    horizon: Horizon,
    *,
    actor: Actor,
    customer_id: int | None = None,
) -> int:
    """Resolve the live alert tasks whose condition went away (renewed, extended, continued,
    replaced, revoked); how many."""
    live = _live(session, workflows, customer_id)
    if not live:
        return 0
    subjects = Which(
        contract_ids=sorted({t.subject_id for t in live if t.subject_type == "contract"}),
        attorney_ids=sorted({t.subject_id for t in live if t.subject_type != "contract"}),
    )
    holding = {_key(t) for t in alerts_due(session, horizon.unbounded(), subjects)}
    note = "the condition went away: renewed, extended, continued, replaced or revoked"
    flow = workflows.flow(Task)
    resolved = 0
    for task in live:
        if _key(task) in holding:
            continue
        try:
            with session.begin_nested():
                firing = workflows.fire(
                    session,
                    task,
                    "resolve",
                    actor=actor,
                    today=horizon.today,
                    payload={"note": note},
                )
                settle(task, firing, actor=actor.username, note=note, flow=flow)
        except Conflict:
            continue  # another scheduler resolved it a moment ago
        resolved += 1
    return resolved


def refresh(session: Session, ctx: Context, customer_id: int) -> None:
    """After a change of a customer's contracts or powers of attorney: raise the alerts that now
    hold and resolve those that no longer do, as the one who made the change."""
    horizon = Horizon(
        ctx.today,
        ctx.settings.contract_expiry_alert_days,
        ctx.settings.attorney_expiry_alert_days,
        ctx.clock.tz,
    )
    session.flush()
    resolve_gone(session, ctx.workflows, horizon, actor=ctx.actor, customer_id=customer_id)
    due = alerts_due(session, horizon, Which(customer_id=customer_id))
    raise_tasks(session, ctx.workflows, due, actor=ctx.actor.username)


def deadline_alerts(session: Session, run: JobRun) -> JobResult:
    """R27/R28: every contract and power of attorney alert that holds today is raised once; those
    whose condition went away are resolved."""
    result = JobResult(JOB, run.as_of)
    if run.settings is None:
        result.problems.append("run without the service's settings: no deadline judged")
        return result
    horizon = Horizon(
        run.today,
        run.settings.contract_expiry_alert_days,
        run.settings.attorney_expiry_alert_days,
        run.tz,
    )
    resolve_gone(session, run.workflows, horizon, actor=SCHEDULER)
    due = alerts_due(session, horizon)
    result.candidates = len(due)
    result.raised = run.raise_tasks(session, due)
    return result
