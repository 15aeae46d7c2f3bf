"""Versioned payment terms (R19): the versions of a customer's terms, a new version, and what it
does to the customer's open invoices.

A version applies to goods the customer receives from its effective date until the next
version's. Adding one re-dates the open invoices (drafts and receivables) whose receipt date it
covers, set-based: their distinct receipt dates are dated once each, and one UPDATE per distinct
new due date moves them; a dry run answers the same and changes nothing. The change is journalled
on the customer (`change_terms`, with the terms in force on its date before it and the new
version, as an update's `changes.payment_terms`, and how many invoices moved).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, case, func, select, update
from sqlalchemy.orm import Session

from service import duedates, statistics
from service.context import Context
from service.db import utcnow
from service.duedates import Terms
from service.errors import Conflict
from service.invoices.models import Invoice
from service.masterdata import queries
from service.masterdata.models import Customer, PaymentTerms
from service.masterdata.schemas import MovedInvoiceOut, TermsChangeOut, TermsIn, TermsOut
from service.schemas import FIRST_DAY
from service.workdays import CalendarGap
from service.workflow import Workflows

# A customer's first version is in force for everything it ever received.
SINCE_ALWAYS = FIRST_DAY
# How many moved invoices a change lists.
SAMPLE = 50
CHUNK = 500
# The invoice states this module asks the invoice lifecycle for (plugin tags).
TAGS = {"invoice": ("editable", "receivable")}


def open_states(workflows: Workflows) -> tuple[str, ...]:
    """Invoices whose due date still matters: drafts and those still receivable."""
    return workflows.tagged(Invoice, "editable") + workflows.tagged(Invoice, "receivable")


def terms_out(version: PaymentTerms, *, in_force: bool) -> TermsOut:
    return TermsOut(
        id=version.id,
        effective_from=version.effective_from,
        basis=version.basis,
        days=version.days,
        day_of_month=version.day_of_month,
        non_working=version.non_working,
        note=version.note,
        created_by=version.created_by,
        created_at=version.created_at,
        in_force=in_force,
    )


def _plain(version: PaymentTerms) -> dict[str, object]:
    return {
        "effective_from": version.effective_from.isoformat(),
        "basis": version.basis,
        "days": version.days,
        "day_of_month": version.day_of_month,
        "non_working": version.non_working,
    }


def versions(session: Session, ctx: Context, *, code: str) -> list[TermsOut]:
    """The customer's versions, newest first, marking the one in force today."""
    customer = queries.addressed_customer(session, code)
    current = queries.in_force(customer.payment_terms, ctx.today)
    return [terms_out(v, in_force=v is current) for v in customer.payment_terms]


def due_or_none(terms: Terms, received_on: date) -> date | None:
    """The due date, or None while the calendar does not know the year it must move in."""
    try:
        return duedates.due_date(terms, received_on)
    except CalendarGap:
        return None


@dataclass
class Plan:
    """What a version does to the open invoices it covers."""

    covered: list[ColumnElement[bool]]
    moved: int = 0
    # New due date -> the receipt dates whose invoices move to it.
    starts_by_due: dict[date | None, list[date]] = field(default_factory=dict)
    new_due: dict[date, date | None] = field(default_factory=dict)


def plan(
    session: Session,
    workflows: Workflows,
    customer_id: int,
    terms: Terms,
    start: date,
    until: date | None,
) -> Plan:
    """Group the covered open invoices by (receipt date, due date), date each receipt date once."""
    covered = [
        Invoice.customer_id == customer_id,
        Invoice.state.in_(open_states(workflows)),
        Invoice.term_start >= start,
    ]
    if until is not None:
        covered.append(Invoice.term_start < until)
    # A covered invoice has a receipt date (term_start >= start).
    groups: list[tuple[date, date | None, int]] = [
        (row[0], row[1], row[2])
        for row in session.execute(
            select(Invoice.term_start, Invoice.due_date, func.count())
            .where(*covered)
            .group_by(Invoice.term_start, Invoice.due_date)
        )
        if row[0] is not None
    ]
    found = Plan(covered)
    found.new_due = {s: due_or_none(terms, s) for s in {g[0] for g in groups}}
    moving: set[date] = set()
    for term_start, due, count in groups:
        if found.new_due[term_start] != due:
            found.moved += count
            moving.add(term_start)
    for term_start in sorted(moving):
        found.starts_by_due.setdefault(found.new_due[term_start], []).append(term_start)
    return found


def sample(session: Session, found: Plan) -> list[MovedInvoiceOut]:
    """The first moved invoices, by receipt date, with their due date before and after."""
    starts = sorted(s for group in found.starts_by_due.values() for s in group)
    if not starts:
        return []
    # The first SAMPLE moved invoices lie within the first SAMPLE receipt dates that move.
    starts = starts[:SAMPLE]
    after = case({s: found.new_due[s] for s in starts}, value=Invoice.term_start)
    rows = session.execute(
        select(
            Invoice.id,
            Invoice.invoice_no,
            Invoice.kind,
            Invoice.state,
            Invoice.term_start,
            Invoice.due_date,
        )
        .where(*found.covered, Invoice.term_start.in_(starts))
        .where(Invoice.due_date.is_distinct_from(after))
        .order_by(Invoice.term_start, Invoice.id)
        .limit(SAMPLE)
    ).all()
    return [
        MovedInvoiceOut(
            id=r.id,
            invoice_no=r.invoice_no,
            kind=r.kind,
            state=r.state,
            term_start=r.term_start,
            due_date_before=r.due_date,
            due_date_after=found.new_due[r.term_start],
        )
        for r in rows
    ]


def apply(session: Session, found: Plan) -> None:
    """Move the invoices: one UPDATE per distinct new due date (per chunk of receipt dates);
    fresh planner statistics when that moved many (the daily scans go by due date)."""
    for due, starts in found.starts_by_due.items():
        for first in range(0, len(starts), CHUNK):
            session.execute(
                update(Invoice)
                .where(*found.covered, Invoice.term_start.in_(starts[first : first + CHUNK]))
                .where(Invoice.due_date.is_distinct_from(due))
                .values(due_date=due)
                .execution_options(synchronize_session=False)
            )
    statistics.refresh_after(session, Invoice, found.moved)


def _until(versions: list[PaymentTerms], effective_from: date) -> date | None:
    later = [v.effective_from for v in versions if v.effective_from > effective_from]
    return min(later) if later else None


def add_terms(
    session: Session, ctx: Context, *, code: str, data: TermsIn, dry_run: bool = False
) -> TermsChangeOut:
    """A new version of the customer's terms, from its effective date; with `dry_run`, only
    what it would do."""
    customer = queries.addressed_customer(session, code)
    existing = list(customer.payment_terms)
    if any(v.effective_from == data.effective_from for v in existing):
        raise Conflict(
            "terms.exists_on_date",
            field="effective_from",
            customer=customer.code,
            effective_from=data.effective_from,
        )
    terms = Terms(data.basis, data.days, data.day_of_month, data.non_working)
    version = PaymentTerms(
        effective_from=data.effective_from,
        basis=data.basis,
        days=data.days,
        day_of_month=data.day_of_month,
        non_working=data.non_working,
        note=data.note,
        created_by=ctx.actor.username,
        created_at=utcnow(),
    )
    found = plan(
        session,
        ctx.workflows,
        customer.id,
        terms,
        data.effective_from,
        _until(existing, data.effective_from),
    )
    moved = sample(session, found)
    if not dry_run:
        before = queries.in_force(existing, data.effective_from)
        change = {"before": _plain(before), "after": _plain(version)}
        payload = {"changes": {"payment_terms": change}, "moved": found.moved}
        ctx.fire(session, customer, "change_terms", payload=payload, if_match=True)
        customer.payment_terms.append(version)
        session.flush()
        apply(session, found)
    current = queries.in_force([*existing, version], ctx.today)
    return TermsChangeOut(
        dry_run=dry_run,
        terms=terms_out(version, in_force=current is version),
        moved=found.moved,
        invoices=moved,
    )


def change_today(session: Session, ctx: Context, customer: Customer, terms: Terms) -> None:
    """The customer's terms changed with the customer itself (PUT): a version in force from
    today (today's own version, if it has one, takes the new terms), and its open invoices
    received from today re-dated. The customer's `update` journals the change."""
    today = ctx.today
    existing = list(customer.payment_terms)
    version = next((v for v in existing if v.effective_from == today), None)
    if version is None:
        version = PaymentTerms(
            effective_from=today, created_by=ctx.actor.username, note="", created_at=utcnow()
        )
        customer.payment_terms.append(version)
    version.basis, version.days = terms.basis, terms.days
    version.day_of_month, version.non_working = terms.day_of_month, terms.non_working
    session.flush()
    apply(session, plan(session, ctx.workflows, customer.id, terms, today, _until(existing, today)))


def first_version(data_terms: Terms, *, actor: str) -> PaymentTerms:
    """A new customer's terms: in force for everything it receives until a newer version."""
    return PaymentTerms(
        effective_from=SINCE_ALWAYS,
        basis=data_terms.basis,
        days=data_terms.days,
        day_of_month=data_terms.day_of_month,
        non_working=data_terms.non_working,
        note="",
        created_by=actor,
        created_at=utcnow(),
    )
