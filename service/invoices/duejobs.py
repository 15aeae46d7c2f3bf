"""R19's scheduled job: fill the due dates that waited for the working-day calendar.

An invoice's due date stays empty while its customer's terms move it to a working day in a year
the calendar does not know (service/invoices/terms.py). Once the calendar knows the year, this
job fills it, set-based: the waiting invoices are grouped by (customer, receipt date), each pair
is dated once with the terms in force on that receipt date, and one UPDATE per distinct due date
fills them. While a year is still unknown, admins get one task per year (`working_calendar_gap`,
shared with every job that meets the gap).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.orm import Session

from service import duedates, statistics
from service.db import rows_changed
from service.invoices.models import Invoice
from service.masterdata import queries as masterdata
from service.scheduler.jobs import JobResult, JobRun, calendar_gap_task
from service.workdays import CalendarGap

JOB = "invoice_due_dates"
CHUNK = 400


def invoice_due_dates(session: Session, run: JobRun) -> JobResult:
    """Fill every empty due date of a receipted invoice the calendar can now date."""
    result = JobResult(JOB, run.as_of)
    waiting = session.execute(
        select(Invoice.customer_id, Invoice.term_start, func.count())
        .where(Invoice.due_date.is_(None), Invoice.term_start.is_not(None))
        .group_by(Invoice.customer_id, Invoice.term_start)
    ).all()
    versions = masterdata.terms_by_customer(session, {row[0] for row in waiting})
    by_due: dict[date, list[tuple[int, date]]] = {}
    gaps: dict[int, tuple[CalendarGap, set[date]]] = {}
    for customer_id, start, _count in waiting:
        assert start is not None  # selected so
        terms = masterdata.terms_of(masterdata.in_force(versions[customer_id], start))
        try:
            due = duedates.due_date(terms, start)
        except CalendarGap as gap:
            gaps.setdefault(gap.day.year, (gap, set()))[1].add(start)
            continue
        by_due.setdefault(due, []).append((customer_id, start))
    filled = 0
    for due, keys in by_due.items():
        for first in range(0, len(keys), CHUNK):
            filled += rows_changed(
                session,
                update(Invoice)
                .where(
                    Invoice.due_date.is_(None),
                    tuple_(Invoice.customer_id, Invoice.term_start).in_(
                        keys[first : first + CHUNK]
                    ),
                )
                .values(due_date=due)
                .execution_options(synchronize_session=False),
            )
    statistics.refresh_after(session, Invoice, filled)
    for _year, (missing, starts) in sorted(gaps.items()):
        result.problems.append(f"due dates of goods received on {len(starts)} day(s): {missing}")
    tasks = [
        calendar_gap_task(run, missing, sorted(starts), "invoice due dates (R19)")
        for _year, (missing, starts) in sorted(gaps.items())
    ]
    result.candidates = len(tasks)
    result.raised = run.raise_tasks(session, tasks)
    return result
