"""R20's scheduled job: draft each customer's statement a number of working days before the
settlement date, and raise the reconciliation tasks for its sales and finance people.

One set-based scan reads what falls due and is on no statement yet (the partial index
`ix_invoices_statement_scan`), grouped by customer and due date (the settlement date); the
reconciliation_timing rules decide per distinct combination of facts; a statement whose draft
day has come (or passed: a catch-up drafts what it missed, once) is opened by its unique key.
A settlement date in a year the working-day calendar does not know waits, with one task for
admins per year.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session

from service.auth.tokens import Actor
from service.context import RuleSource
from service.db import Money
from service.errors import Conflict
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.rulesets.registry import RuleRegistry
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun, calendar_gap_task
from service.scheduler.tasks import NewTask, raise_tasks
from service.statements.models import Statement
from service.statements.opening import open_statement
from service.statements.timing import MOST, Timing, decide, facts, working_days_before
from service.workdays import CalendarGap, add_working_days
from service.workflow import Workflows

JOB = "reconciliation_statements"
RECONCILE_SALES = "statement_reconcile_sales"
RECONCILE_FINANCE = "statement_reconcile_finance"
SCHEDULER = Actor(user_id=0, username=SCHEDULER_ACTOR, roles=frozenset({"scheduler"}))
# Beyond the calendar, how far ahead the scan looks (the dates found then wait for it).
UNKNOWN_HORIZON_DAYS = 31


@cache
def _rules(directory: str, reload_seconds: float) -> RuleRegistry:
    return RuleRegistry(directory or None, reload_seconds=reload_seconds)


def rules_of(run: JobRun) -> RuleSource:
    """The rules in force for the process the job runs in (loaded once per rule directory)."""
    if run.settings is None:
        return _rules("", 10.0)
    return _rules(run.settings.rules_dir or "", float(run.settings.rules_reload_seconds))


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


def _tasks(
    session: Session, run: JobRun, statement_id: int, code: str, settlement: date
) -> list[NewTask]:
    due_at = run.end_of_working_day(settlement - timedelta(days=1))
    number = session.scalar(select(Statement.statement_no).where(Statement.id == statement_id))
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
        )
        for kind, role in ((RECONCILE_SALES, "sales"), (RECONCILE_FINANCE, "finance"))
    ]


def reconciliation_statements(session: Session, run: JobRun) -> JobResult:
    """R20: every statement whose draft day has come is drafted once, with its two tasks."""
    result = JobResult(JOB, run.as_of)
    found = scan(session, run.workflows, horizon(run.today))
    ids = sorted({row[0] for row in found})
    customers = {c.id: c for c in session.execute(_CUSTOMERS, {"ids": ids})} if ids else {}
    rules = rules_of(run)
    decided: dict[tuple[Any, ...], Timing] = {}
    gaps: dict[int, tuple[CalendarGap, list[date]]] = {}
    tasks: list[NewTask] = []
    for customer_id, settlement, count, amount in found:
        customer = customers[customer_id]
        seen = facts(customer.grade, Decimal(amount), int(count), customer.reconciliation_lead_days)
        key = tuple(seen.values())
        if key not in decided:
            decided[key] = decide(rules, run.today, seen)
        timing = decided[key]
        try:
            draft_day = working_days_before(settlement, timing.working_days)
        except CalendarGap as gap:
            gaps.setdefault(gap.day.year, (gap, []))[1].append(settlement)
            continue
        if draft_day > run.today:
            continue
        result.candidates += 1
        try:
            with session.begin_nested():
                opened = open_statement(
                    session,
                    run.workflows,
                    actor=SCHEDULER,
                    today=run.today,
                    customer_id=customer_id,
                    settlement_date=settlement,
                    kind="scheduled",
                    lead_working_days=timing.working_days,
                    draft_day=draft_day,
                    decision=timing.decision,
                    reason=f"drafted {timing.working_days} working days before {settlement} (R20)",
                )
        except Conflict:
            continue  # a person moved the statement a moment ago; the next run looks again
        if opened.created:
            tasks.extend(_tasks(session, run, opened.statement_id, customer.code, settlement))
    for beyond, days in gaps.values():
        waiting = sorted(set(days))
        shown = ", ".join(str(d) for d in waiting[:5]) + (", ..." if len(waiting) > 5 else "")
        result.problems.append(
            f"{len(days)} statement(s) for settlement dates {shown} wait for the calendar: {beyond}"
        )
        tasks.append(
            calendar_gap_task(run, beyond, waiting, "reconciliation statements' draft days (R20)")
        )
    result.raised = raise_tasks(session, run.workflows, tasks, actor=SCHEDULER_ACTOR)
    return result
