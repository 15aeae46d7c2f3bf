"""R32's monthly credit review: once a month the scheduler reads every customer's payment
record, asks the credit_review rules what they propose (once per distinct combination of facts)
and records each proposal that changes something, with a task for finance.

Each run first claims the customers not yet reviewed this month (one INSERT ... SELECT ... ON
CONFLICT DO NOTHING into `credit_reviews`, keyed by customer and period) and reads the records of
those only: the first run of the month reviews everyone, a rerun reads nothing, a customer added
later is reviewed by the next run, and two schedulers at once share the customers out. A
proposal is keyed (customer, period) and its task (kind, proposal, period), both inserted the
same way. The review of a month starts on its `credit_review_day` (a setting, 1-28).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Insert, literal, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service.credit.models import CreditProposal, CreditReview
from service.credit.record import records
from service.credit.review import Proposal, facts, propose
from service.db import utcnow
from service.journal import jsonable
from service.masterdata.models import Customer
from service.rulesets.registry import process_rules
from service.scheduler.jobs import SCHEDULER_ACTOR, JobResult, JobRun
from service.scheduler.tasks import NewTask, words

JOB = "credit_review"
TASK = "credit_proposal_decide"


def period_of(day: date) -> str:
    return day.strftime("%Y-%m")


def _insert(session: Session, model: Any, keys: list[str], constraint: str) -> Insert:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing(constraint=constraint)
    return sqlite.insert(model).on_conflict_do_nothing(index_elements=keys)


def _claim(session: Session, period: str) -> list[int]:
    """The customers not yet reviewed in the period, marked reviewed by this run."""
    unreviewed = select(Customer.id, literal(period), literal(utcnow())).where(true())
    stmt = (
        _insert(session, CreditReview, ["customer_id", "period"], "credit_reviews_pkey")
        .from_select(["customer_id", "period", "reviewed_at"], unreviewed)
        .returning(CreditReview.customer_id)
    )
    return sorted(session.scalars(stmt))


def _task(run: JobRun, proposal_id: int, period: str, customer: Any, made: Proposal) -> NewTask:
    return NewTask(
        kind=TASK,
        subject_type="credit_proposal",
        subject_id=proposal_id,
        period=period,
        owner_role="finance",
        title=(
            f"Credit review {period} of {customer.code}: grade {customer.grade} -> {made.grade}, "
            f"limit {customer.credit_limit} -> {made.credit_limit}; approve or reject (R32)"
        ),
        due_at=run.end_of_working_day(run.today + timedelta(days=7)),
        words=words(
            "tasks.title.credit_proposal_decide",
            period=period,
            customer=customer.code,
            grade=customer.grade,
            new_grade=made.grade,
            limit=customer.credit_limit,
            new_limit=made.credit_limit,
        ),
        detail={
            "customer_code": customer.code,
            "credit_proposal_id": proposal_id,
            "reason": made.reason,
        },
    )


def credit_review(session: Session, run: JobRun) -> JobResult:
    """R32: once a month, a proposal for each customer whose record calls for a change."""
    result = JobResult(JOB, run.as_of)
    if run.settings is None:
        result.problems.append("run without the service's settings: no credit review")
        return result
    if run.today.day < run.settings.credit_review_day:
        return result
    period = period_of(run.today)
    claimed = _claim(session, period)
    if not claimed:
        return result
    customers = {
        c.id: c
        for c in session.execute(
            select(Customer.id, Customer.code, Customer.grade, Customer.credit_limit).where(
                Customer.id.in_(claimed)
            )
        )
    }
    found = records(session, run.today, claimed)
    rules = process_rules(run.settings)
    decided: dict[tuple[Any, ...], Proposal | None] = {}
    proposals: dict[int, Proposal] = {}
    for customer_id, figures in found.items():
        customer = customers[customer_id]
        seen = facts(customer.grade, customer.credit_limit, figures)
        key = tuple(seen.values())
        if key not in decided:
            decided[key] = propose(rules, run.today, seen)
        made = decided[key]
        if made is not None:
            proposals[customer_id] = made
    result.candidates = len(proposals)
    if not proposals:
        return result
    initial = run.workflows.initial(CreditProposal)
    now = utcnow()
    rows = [
        {
            "customer_id": customer_id,
            "period": period,
            "grade_before": customers[customer_id].grade,
            "grade_after": made.grade,
            "limit_before": customers[customer_id].credit_limit,
            "limit_after": made.credit_limit,
            "reason": made.reason,
            "figures": jsonable(found[customer_id]),
            "decision": jsonable(made.decision),
            "decision_note": "",
            "created_at": now,
            **initial,
        }
        for customer_id, made in sorted(proposals.items())
    ]
    stmt = _insert(
        session, CreditProposal, ["customer_id", "period"], "uq_credit_proposals_period"
    ).returning(CreditProposal.id, CreditProposal.customer_id)
    inserted = session.connection().execute(stmt, rows).all()
    run.workflows.created(
        session,
        CreditProposal,
        [(i, {"customer_id": c, "period": period}) for i, c in inserted],
        actor=SCHEDULER_ACTOR,
        how="raise",
        business_date=run.today,
        decisions={i: [jsonable(proposals[c].decision)] for i, c in inserted},
    )
    tasks = [_task(run, i, period, customers[c], proposals[c]) for i, c in inserted]
    result.raised = run.raise_tasks(session, tasks)
    return result
