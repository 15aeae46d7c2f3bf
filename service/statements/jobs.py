"""R20's scheduled job: draft each customer's statement a number of working days before the
settlement date, and raise the reconciliation tasks for its sales and finance people.

One set-based scan reads what falls due and is on no statement yet (the partial index
`ix_invoices_statement_scan`), grouped by customer and due date (the settlement date); the
reconciliation_timing rules decide per distinct combination of facts; a statement whose draft
day has come (or passed: a catch-up drafts what it missed, once) is opened by its unique key.
The statements new to the run are drafted all at once (`batch`); a customer with a statement
already there for one of its dates (a draft to extend, a statement sent) is drafted statement by
statement in date order (`opening.open_statement`). The tasks are raised in one step. A
settlement date in a year the working-day calendar does not know waits, with one task for
admins per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.db import Money
from service.errors import Conflict
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.rulesets.registry import process_rules
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun, calendar_gap_task
from service.scheduler.tasks import NewTask, words
from service.statements.batch import draft_new
from service.statements.models import Statement
from service.statements.opening import Due, open_statement
from service.statements.timing import MOST, Decider, Timing, facts, working_days_before
from service.workdays import CalendarGap, add_working_days
from service.workflow import Workflows

JOB = "reconciliation_statements"
RECONCILE_SALES = "statement_reconcile_sales"
RECONCILE_FINANCE = "statement_reconcile_finance"
SCHEDULER = Actor(user_id=0, username=SCHEDULER_ACTOR, roles=frozenset({"scheduler"}))
# Beyond the calendar, how far ahead the scan looks (the dates found then wait for it).
UNKNOWN_HORIZON_DAYS = 31


def horizon(today: date) -> date:
    """The latest settlement date whose statement may be due for drafting today: R20 drafts at
    most MOST working days ahead."""
    try:
        return add_working_days(today, MOST)
    except CalendarGap:
        return today + timedelta(days=UNKNOWN_HORIZON_DAYS)


def scan_query(workflows: Workflows, until: date) -> Select[int, date | None, int, Decimal]:
    """Per customer and due date: the receivable blue invoices on no statement yet, counted and
    added up (one aggregate query over the partial index `ix_invoices_statement_scan`)."""
    return (
        select(
            Invoice.customer_id,
            Invoice.due_date,
            func.count(),
            func.sum(Invoice.total, type_=Money),
        )
        .where(
            Invoice.statement_id.is_(None),
            Invoice.due_date.is_not(None),
            Invoice.due_date <= until,
            Invoice.kind == "blue",
            Invoice.state.in_(workflows.tagged(Invoice, "receivable")),
        )
        .group_by(Invoice.customer_id, Invoice.due_date)
        .order_by(Invoice.customer_id, Invoice.due_date)
    )


def scan(session: Session, workflows: Workflows, until: date) -> Sequence[Any]:
    """What falls due by `until` and is on no statement yet (customer, due date, count, sum)."""
    return session.execute(scan_query(workflows, until)).all()


_CUSTOMERS = select(
    Customer.id, Customer.code, Customer.grade, Customer.reconciliation_lead_days
).where(Customer.id.in_(bindparam("ids", expanding=True)))


_SCHEDULED = select(Statement.customer_id, Statement.settlement_date).where(
    Statement.customer_id.in_(bindparam("ids", expanding=True)),
    Statement.kind == "scheduled",
    Statement.settlement_date.between(bindparam("first"), bindparam("last")),
)


def _tasks(
    run: JobRun, statement_id: int, number: str, code: str, settlement: date
) -> list[NewTask]:
    due_at = run.end_of_working_day(settlement - timedelta(days=1))
    detail = {
        "statement_id": statement_id,
        "statement_no": number,
        "customer_code": code,
        "settlement_date": settlement,
    }
    return [
        NewTask(
            kind=kind,
            subject_type="statement",
            subject_id=statement_id,
            period=settlement.isoformat(),
            owner_role=role,
            title=f"Reconcile with {code} the statement for {settlement} (R20)",
            due_at=due_at,
            detail=detail,
            words=words("tasks.title.statement_reconcile", customer=code, date=settlement),
        )
        for kind, role in ((RECONCILE_SALES, "sales"), (RECONCILE_FINANCE, "finance"))
    ]


def _with_statements(session: Session, dues: list[Due]) -> set[int]:
    """The customers that already have a scheduled statement for one of the dates due."""
    if not dues:
        return set()
    keys = {(d.customer_id, d.settlement_date) for d in dues}
    found = session.execute(
        _SCHEDULED,
        {
            "ids": sorted({customer for customer, _ in keys}),
            "first": min(day for _, day in keys),
            "last": max(day for _, day in keys),
        },
    )
    return {customer for customer, day in found if (customer, day) in keys}


def _draft_day(settlement: date, working_days: int) -> date | CalendarGap:
    try:
        return working_days_before(settlement, working_days)
    except CalendarGap as gap:
        return gap


def _one_by_one(session: Session, run: JobRun, due: Due) -> tuple[int, str] | None:
    """Draft or extend the statement of `due` on its own; its id and number if new."""
    try:
        with session.begin_nested():
            opened = open_statement(
                session,
                run.workflows,
                actor=SCHEDULER,
                today=run.today,
                customer_id=due.customer_id,
                settlement_date=due.settlement_date,
                kind="scheduled",
                due=due,
                reason=due.reason,
            )
    except Conflict:
        return None  # a person moved the statement a moment ago; the next run looks again
    return (opened.statement_id, opened.statement_no) if opened.created else None


def _dues(
    run: JobRun, found: Sequence[Any], customers: dict[int, Any]
) -> tuple[list[Due], dict[int, tuple[CalendarGap, list[date]]]]:
    """The statements whose draft day has come, and the settlement dates that wait for the
    calendar (by year)."""
    today = run.today
    decide = Decider(process_rules(run.settings), today)
    decided: dict[tuple[Any, ...], Timing] = {}
    # Once per run (the calendar may learn a year between runs).
    draft_day = cache(_draft_day)
    gaps: dict[int, tuple[CalendarGap, list[date]]] = {}
    dues: list[Due] = []
    for customer_id, settlement, count, amount in found:
        customer = customers[customer_id]
        seen = facts(customer.grade, Decimal(amount), int(count), customer.reconciliation_lead_days)
        key = tuple(seen.values())
        if key not in decided:
            decided[key] = decide(seen)
        timing = decided[key]
        day = draft_day(settlement, timing.working_days)
        if isinstance(day, CalendarGap):
            gaps.setdefault(day.day.year, (day, []))[1].append(settlement)
        elif day <= today:
            dues.append(Due(customer_id, settlement, timing.working_days, day, timing.decision))
    return dues, gaps


def _drafted(session: Session, run: JobRun, dues: list[Due]) -> list[tuple[int, str, Due]]:
    """Draft the statements due; the new ones (id, number, what was due)."""
    known = _with_statements(session, dues)
    drafted = [
        (*made, due)
        for due in dues
        if due.customer_id in known and (made := _one_by_one(session, run, due))
    ]
    new = [d for d in dues if d.customer_id not in known]
    opened = draft_new(session, run.workflows, new, actor=SCHEDULER, today=run.today)
    return drafted + [(n.statement_id, n.statement_no, n.due) for n in opened]


@dataclass(frozen=True)
class Found:
    """What a run finds: the statements whose draft day has come, the settlement dates that
    wait for the calendar (by year), and the customers seen (id, code, grade, lead days)."""

    dues: list[Due]
    gaps: dict[int, tuple[CalendarGap, list[date]]]
    customers: dict[int, Any]


def find_due(session: Session, run: JobRun) -> Found:
    """The daily scan and the rule decisions: what falls due by the horizon and is on no
    statement yet, and which of those statements' draft day has come."""
    found = scan(session, run.workflows, horizon(run.today))
    ids = sorted({row[0] for row in found})
    customers = {c.id: c for c in session.execute(_CUSTOMERS, {"ids": ids})} if ids else {}
    dues, gaps = _dues(run, found, customers)
    return Found(dues, gaps, customers)


def reconciliation_statements(session: Session, run: JobRun) -> JobResult:
    """R20: every statement whose draft day has come is drafted once, with its two tasks."""
    result = JobResult(JOB, run.as_of)
    due = find_due(session, run)
    dues, gaps, customers = due.dues, due.gaps, due.customers
    result.candidates = len(dues)
    tasks = [
        task
        for statement_id, number, due in _drafted(session, run, dues)
        for task in _tasks(
            run, statement_id, number, customers[due.customer_id].code, due.settlement_date
        )
    ]
    for beyond, days in gaps.values():
        waiting = sorted(set(days))
        shown = ", ".join(str(d) for d in waiting[:5]) + (", ..." if len(waiting) > 5 else "")
        result.problems.append(
            f"{len(days)} statement(s) for settlement dates {shown} wait for the calendar: {beyond}"
        )
        tasks.append(
            calendar_gap_task(run, beyond, waiting, "reconciliation statements' draft days (R20)")
        )
    result.raised = run.raise_tasks(session, tasks)
    return result
