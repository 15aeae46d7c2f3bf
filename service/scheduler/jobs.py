"""Scheduled jobs. Each computes what is due as of a moment with set-based queries and raises
tasks through the unique task key, so reruns, catch-ups and parallel schedulers are harmless."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from service.carriers.deadline import (
    CARRIER_RECEIPT_OVERDUE,
    CARRIER_REPORT_WORKING_DAYS,
    report_deadline,
)
from service.clock import business_date
from service.masterdata.models import Customer
from service.orders.models import Order
from service.shipments.models import Shipment
from service.tasks.models import Task
from service.tasks.usecases import NewTask, raise_tasks
from service.workdays import CalendarGap, add_working_days

SCHEDULER_ACTOR = "scheduler"
# Raised for admins, once per year, when deadlines fall in a year the calendar does not know.
CALENDAR_GAP = "working_calendar_gap"


@dataclass
class JobResult:
    job: str
    as_of: datetime
    candidates: int = 0
    raised: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.job}: {len(self.raised)} task(s) raised of {self.candidates} due"
        return text + "".join(f"\n  problem: {p}" for p in self.problems)


def _end_of_working_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(18, 0), tzinfo=tz)


def _calendar_gap_task(
    year: int, gap: CalendarGap, delivered: list[date], today: date, tz: ZoneInfo
) -> NewTask:
    """Someone must upgrade the calendar: until then R7 cannot judge these deliveries."""
    return NewTask(
        kind=CALENDAR_GAP,
        subject_type="calendar_year",
        subject_id=year,
        period=str(year),
        owner_role="admin",
        title=(
            f"The working-day calendar does not know {year}: carrier receipt deadlines (R7) "
            "cannot be computed; upgrade chinesecalendar"
        ),
        due_at=_end_of_working_day(today + timedelta(days=1), tz),
        detail={"year": year, "first_seen_for_deliveries_of": delivered, "error": str(gap)},
    )


def carrier_receipt_overdue(session: Session, *, as_of: datetime, tz: ZoneInfo) -> JobResult:
    """R7: internal-warehouse deliveries whose signed receipt is not posted 2 working days on."""
    result = JobResult(CARRIER_RECEIPT_OVERDUE, as_of)
    today = business_date(tz, as_of)
    already = exists().where(
        Task.kind == CARRIER_RECEIPT_OVERDUE,
        Task.subject_type == "shipment",
        Task.subject_id == Shipment.id,
    )
    # Two working days are at least two calendar days, so SQL narrows the candidates first.
    rows = session.execute(
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
            Shipment.delivered_on <= today - timedelta(days=CARRIER_REPORT_WORKING_DAYS),
            Order.state == "shipped",
            ~already,
        )
    ).all()
    deadlines: dict[date, date] = {}
    gaps: dict[int, tuple[CalendarGap, list[date]]] = {}
    for delivered in sorted({row.delivered_on for row in rows}):
        try:
            deadlines[delivered] = report_deadline(delivered)
        except CalendarGap as gap:
            result.problems.append(f"deliveries of {delivered}: {gap}")
            gaps.setdefault(gap.day.year, (gap, []))[1].append(delivered)
    tasks = [_calendar_gap_task(year, gap, days, today, tz) for year, (gap, days) in gaps.items()]
    for row in rows:
        deadline = deadlines.get(row.delivered_on)
        if deadline is None or deadline >= today:
            continue
        try:
            due = _end_of_working_day(add_working_days(today, 1), tz)
        except CalendarGap:
            due = _end_of_working_day(today + timedelta(days=1), tz)
        tasks.append(
            NewTask(
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
        )
    result.candidates = len(tasks)
    result.raised = raise_tasks(session, tasks, actor=SCHEDULER_ACTOR)
    return result
