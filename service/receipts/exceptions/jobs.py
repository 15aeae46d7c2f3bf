"""R8's scheduled job: a receipt exception left open too long raises a task for its owner, once
per period of working days (`receipt_exception_overdue_working_days`, default 5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.clock import business_date
from service.masterdata.models import Customer
from service.orders.models import Order
from service.receipts.models import Receipt, ReceiptException
from service.receipts.queries import RECEIPT_EXCEPTION_OVERDUE
from service.scheduler.jobs import JobResult, JobRun, calendar_gap_task
from service.scheduler.tasks import NewTask, words
from service.workdays import CalendarGap, add_working_days, working_days_between


def _due(run: JobRun) -> datetime:
    """When the task is due: the end of the next working day (tomorrow beyond the calendar)."""
    try:
        return run.end_of_working_day(add_working_days(run.today, 1))
    except CalendarGap:
        return run.end_of_working_day(run.today + timedelta(days=1))


def _open_long(session: Session, run: JobRun, every: int) -> Sequence[Any]:
    """Exceptions in a state tagged `open` that may have been open `every` working days."""
    # `every` working days are at least as many calendar days, so SQL narrows the candidates.
    return session.execute(
        select(
            ReceiptException.id,
            ReceiptException.kind,
            ReceiptException.quantity,
            ReceiptException.state,
            ReceiptException.owner_role,
            ReceiptException.created_at,
            Receipt.receipt_no,
            Order.id.label("order_id"),
            Order.company_order_no,
            Order.customer_po_no,
            Customer.code.label("customer_code"),
        )
        .join(Receipt, Receipt.id == ReceiptException.receipt_id)
        .join(Order, Order.id == Receipt.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(
            ReceiptException.state.in_(run.workflows.tagged(ReceiptException, "open")),
            ReceiptException.created_at < run.as_of - timedelta(days=every),
        )
        .order_by(ReceiptException.id)
    ).all()


def _period(opened: date, today: date, every: int) -> tuple[int, date] | None:
    """How many working days after `opened` are over by `today`, and the last day of the latest
    period of `every` of them that is over (None before the first one is)."""
    passed = working_days_between(opened, today - timedelta(days=1))
    if passed < every:
        return None
    return passed, add_working_days(opened, passed // every * every)


def _task(row: Any, opened: date, passed: int, ended: date, due: datetime) -> NewTask:
    return NewTask(
        kind=RECEIPT_EXCEPTION_OVERDUE,
        subject_type="receipt_exception",
        subject_id=row.id,
        period=ended.isoformat(),
        owner_role=row.owner_role,
        title=(
            f"Work receipt exception {row.id} of order {row.company_order_no} "
            f"({row.kind} of {row.quantity}, receipt {row.receipt_no}): {row.state} for "
            f"{passed} working days since {opened}"
        ),
        due_at=due,
        words=words(
            "tasks.title.receipt_exception_overdue",
            id=row.id,
            order=row.company_order_no,
            receipt=row.receipt_no,
            days=passed,
            opened=opened,
        ),
        detail={
            "exception_id": row.id,
            "order_id": row.order_id,
            "company_order_no": row.company_order_no,
            "customer_code": row.customer_code,
            "customer_po_no": row.customer_po_no,
            "receipt_no": row.receipt_no,
            "kind": row.kind,
            "quantity": row.quantity,
            "state": row.state,
            "opened_on": opened,
            "working_days_open": passed,
            "period_end": ended,
        },
    )


def receipt_exception_overdue(session: Session, run: JobRun) -> JobResult:
    """R8: every exception still open once a period of N working days from the business date it
    was found is over raises one task for its owner role, keyed by the period's last working day:
    a rerun or a second scheduler raises nothing twice, the next period raises the next task, and
    a late run raises the period it is in (not the ones it missed)."""
    result = JobResult(RECEIPT_EXCEPTION_OVERDUE, run.as_of)
    if run.settings is None:
        result.problems.append("run without the service's settings: no exception judged")
        return result
    every = run.settings.receipt_exception_overdue_working_days
    rows = _open_long(session, run, every)
    opened_on = {row.id: business_date(run.tz, row.created_at) for row in rows}
    periods: dict[date, tuple[int, date] | None] = {}
    gaps: dict[int, tuple[CalendarGap, list[date]]] = {}
    for opened in sorted(set(opened_on.values())):
        try:
            periods[opened] = _period(opened, run.today, every)
        except CalendarGap as gap:
            result.problems.append(f"receipt exceptions found on {opened}: {gap}")
            gaps.setdefault(gap.day.year, (gap, []))[1].append(opened)
    tasks = [
        calendar_gap_task(run, gap, days, "receipt exceptions' working days open (R8)")
        for gap, days in gaps.values()
    ]
    due = _due(run)
    for row in rows:
        opened = opened_on[row.id]
        period = periods.get(opened)
        if period is not None:
            tasks.append(_task(row, opened, *period, due))
    result.candidates = len(tasks)
    result.raised = run.raise_tasks(session, tasks)
    return result
