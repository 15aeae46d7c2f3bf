"""R7's scheduled job: chase the carrier when a signed receipt is not reported in time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from service.carriers.queries import (
    CARRIER_RECEIPT_OVERDUE,
    CARRIER_REPORT_WORKING_DAYS,
    report_deadline,
)
from service.masterdata.models import Customer
from service.orders.models import Order
from service.scheduler.jobs import JobResult, JobRun, calendar_gap_task
from service.scheduler.models import Task
from service.scheduler.tasks import NewTask, words
from service.shipments.models import Shipment
from service.workdays import CalendarGap, add_working_days


def _due(run: JobRun) -> datetime:
    """When the chase is due: the end of the next working day (tomorrow beyond the calendar)."""
    try:
        return run.end_of_working_day(add_working_days(run.today, 1))
    except CalendarGap:
        return run.end_of_working_day(run.today + timedelta(days=1))


def _waiting(session: Session, run: JobRun) -> Sequence[Any]:
    """Internal-warehouse deliveries still waiting for their signed receipt, not yet chased."""
    already = exists().where(
        Task.kind == CARRIER_RECEIPT_OVERDUE,
        Task.subject_type == "shipment",
        Task.subject_id == Shipment.id,
    )
    # Two working days are at least two calendar days, so SQL narrows the candidates first.
    return session.execute(
        select(
            Shipment.id,
            Shipment.delivered_on,
            Shipment.carrier,
            Shipment.shipment_no,
            Shipment.waybill_no,
            Order.id.label("order_id"),
            Order.company_order_no,
            Order.customer_po_no,
            Customer.code.label("customer_code"),
        )
        .join(Order, Order.id == Shipment.order_id)
        .join(Customer, Customer.id == Order.customer_id)
        .where(
            Shipment.warehouse_kind == "internal",
            Shipment.delivered_on.is_not(None),
            Shipment.delivered_on <= run.today - timedelta(days=CARRIER_REPORT_WORKING_DAYS),
            # Orders that still wait for their signed receipt, as the order lifecycle says.
            Order.state.in_(run.workflows.flow(Order).sources_of("post_receipt")),
            ~already,
        )
    ).all()


def _chase(row: Any, deadline: date, due: datetime) -> NewTask:
    return NewTask(
        kind=CARRIER_RECEIPT_OVERDUE,
        subject_type="shipment",
        subject_id=row.id,
        period=deadline.isoformat(),
        owner_role="logistics",
        title=(
            f"Chase {row.carrier} for the signed receipt of order "
            f"{row.company_order_no} (delivered {row.delivered_on}, due by {deadline})"
        ),
        due_at=due,
        words=words(
            "tasks.title.carrier_receipt_overdue",
            carrier=row.carrier,
            order=row.company_order_no,
            delivered=row.delivered_on,
            deadline=deadline,
        ),
        detail={
            "order_id": row.order_id,
            "company_order_no": row.company_order_no,
            "customer_code": row.customer_code,
            "customer_po_no": row.customer_po_no,
            "shipment_no": row.shipment_no,
            "waybill_no": row.waybill_no,
            "carrier": row.carrier,
            "delivered_on": row.delivered_on,
            "report_deadline": deadline,
        },
    )


def carrier_receipt_overdue(session: Session, run: JobRun) -> JobResult:
    """R7: internal-warehouse deliveries whose signed receipt is not posted 2 working days on."""
    result = JobResult(CARRIER_RECEIPT_OVERDUE, run.as_of)
    rows = _waiting(session, run)
    deadlines: dict[date, date] = {}
    gaps: dict[int, tuple[CalendarGap, list[date]]] = {}
    for delivered in sorted({row.delivered_on for row in rows}):
        try:
            deadlines[delivered] = report_deadline(delivered)
        except CalendarGap as gap:
            result.problems.append(f"deliveries of {delivered}: {gap}")
            gaps.setdefault(gap.day.year, (gap, []))[1].append(delivered)
    tasks = [
        calendar_gap_task(run, gap, days, "carrier receipt deadlines (R7)")
        for gap, days in gaps.values()
    ]
    due = _due(run)
    for row in rows:
        deadline = deadlines.get(row.delivered_on)
        if deadline is not None and deadline < run.today:
            tasks.append(_chase(row, deadline, due))
    result.candidates = len(tasks)
    result.raised = run.raise_tasks(session, tasks)
    return result
