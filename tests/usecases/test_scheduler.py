"""The scheduler raises follow-up work as tasks keyed by (kind, subject, period): raising the
same task again, in the same run or a later one, neither stores nor journals it twice; R7's job
chases the carrier of every internal delivery whose signed receipt is overdue, once."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from service.carriers.jobs import carrier_receipt_overdue
from service.journal import Event
from service.scheduler.jobs import JobRun
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, raise_tasks
from service.shipments.models import Shipment
from tests.usecases.steps import NOW, TZ, Steps

CHASE = NewTask(
    kind="carrier_receipt_overdue",
    subject_type="shipment",
    subject_id=7,
    period="2026-11-18",
    owner_role="logistics",
    title="Chase SF Express for the signed receipt",
    due_at=NOW + timedelta(days=1),
    detail={"delivered_on": date(2026, 11, 16)},
)


def test_raising_the_same_task_twice_stores_and_journals_it_once(steps: Steps) -> None:
    workflows = steps.runtime.workflows
    with steps.db.write() as session:
        first = raise_tasks(session, workflows, [CHASE, CHASE], actor="scheduler")
    with steps.db.write() as session:
        again = raise_tasks(session, workflows, [CHASE], actor="scheduler")
    assert len(first) == 1 and again == []
    with steps.db.read() as session:
        [task] = session.scalars(select(Task)).all()
        assert (task.id, task.state, task.version, task.owner_role) == (
            first[0],
            "open",
            1,
            "logistics",
        )
        assert task.detail == {"delivered_on": "2026-11-16"}
        events = session.scalars(select(Event).where(Event.entity_type == "task")).all()
        assert [(e.entity_id, e.trigger, e.to_state, e.actor) for e in events] == [
            (task.id, "raise", "open", "scheduler")
        ]


def test_another_period_of_the_same_subject_is_another_task(steps: Steps) -> None:
    later = NewTask(**{**CHASE.__dict__, "period": "2026-11-25"})
    with steps.db.write() as session:
        raised = raise_tasks(session, steps.runtime.workflows, [CHASE, later], actor="scheduler")
    assert len(raised) == 2
    assert steps.count(Task) == 2


def _run(steps: Steps, as_of: datetime = NOW) -> list[int]:
    with steps.db.write() as session:
        run = JobRun(as_of=as_of, tz=TZ, workflows=steps.runtime.workflows)
        return carrier_receipt_overdue(session, run).raised


def _delivered(steps: Steps, on: date | None, *, warehouse_kind: str = "internal") -> Shipment:
    """A shipped order whose carrier reported the customer's signature `on` (None: not yet)."""
    order = steps.shipped_order(warehouse_kind=warehouse_kind)
    if on is not None:
        steps.deliver(order.id, on)
    with steps.db.read() as session:
        return session.scalars(select(Shipment).where(Shipment.order_id == order.id)).one()


def _chased(steps: Steps, task_ids: list[int]) -> list[Task]:
    with steps.db.read() as session:
        return list(session.scalars(select(Task).where(Task.id.in_(task_ids)).order_by(Task.id)))


def test_r7_the_carrier_is_chased_once_for_each_overdue_internal_delivery(steps: Steps) -> None:
    monday = _delivered(steps, date(2026, 11, 16))  # report due Wednesday 18th: overdue
    tuesday = _delivered(steps, date(2026, 11, 17))  # due Thursday 19th: overdue
    _delivered(steps, date(2026, 11, 18))  # due today, Friday 20th: not yet
    _delivered(steps, date(2026, 11, 16), warehouse_kind="external")  # not a carrier's
    _delivered(steps, None)  # no delivery report yet
    posted = _delivered(steps, date(2026, 11, 16))
    steps.post_receipt(posted.order_id, steps.receipt(steps.order(posted.order_id)))

    chased = _chased(steps, _run(steps))
    assert [(t.subject_id, t.period, t.owner_role, t.state) for t in chased] == [
        (monday.id, "2026-11-18", "logistics", "open"),
        (tuesday.id, "2026-11-19", "logistics", "open"),
    ]
    # Due by the end of the next working day: Monday 23rd, 18:00 in Shanghai.
    assert {t.due_at for t in chased} == {datetime(2026, 11, 23, 18, 0, tzinfo=TZ)}
    assert chased[0].detail["order_id"] == monday.order_id
    assert (chased[0].detail["carrier"], chased[0].detail["report_deadline"]) == (
        "SF Express",
        "2026-11-18",
    )
    assert _run(steps) == []
    assert steps.count(Task) == 2


def test_r7_a_later_run_chases_only_what_fell_due_since(steps: Steps) -> None:
    monday = _delivered(steps, date(2026, 11, 16))
    wednesday = _delivered(steps, date(2026, 11, 18))
    [first] = _chased(steps, _run(steps))
    # Monday 23rd: Wednesday's delivery was due on Friday; Monday's is chased already.
    [second] = _chased(steps, _run(steps, datetime(2026, 11, 23, 9, 0, tzinfo=TZ)))
    assert (first.subject_id, second.subject_id) == (monday.id, wednesday.id)
    assert second.period == "2026-11-20"
    with steps.db.read() as session:
        raised = session.scalars(select(Event).where(Event.entity_type == "task")).all()
        assert [(e.entity_id, e.trigger) for e in raised] == [
            (first.id, "raise"),
            (second.id, "raise"),
        ]
