"""Record a booking, open and decide exceptions, attach evidence, confirm or override (R14-R18)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from rules import Decision, RuleSet
from service import journal
from service.auth.tokens import Actor
from service.db import utcnow
from service.discrepancies import resolutions
from service.discrepancies.facts import exception_facts
from service.discrepancies.guards import ExceptionContext
from service.discrepancies.models import (
    ExceptionEvidence,
    InvoiceException,
)
from service.errors import Conflict, NotFound
from service.invoices import usecases as invoices
from service.invoices.models import Invoice
from service.masterdata.models import Customer
from service.workflow import Workflows

MACHINE = "invoice_exception"
RULESET = "invoice_discrepancy"
# Finds the rule set in force on a day (the running service's registry, or a fixed one).
RulesFor = Callable[[date], RuleSet]


def decision_record(decision: Decision) -> dict[str, Any]:
    """What is stored and shown of a decision: the rule set, rules, actions, values seen."""
    record: dict[str, Any] = journal.jsonable(decision.to_dict())
    return record | {"explanation": decision.explain()}


def decide(exc: InvoiceException, customer: Customer, ruleset: RuleSet) -> Decision:
    """Decide with the rules in force and keep the decision on the exception (R18)."""
    decision = ruleset.decide(exception_facts(exc, customer))
    exc.decision = decision_record(decision)
    return decision


def live_decision(exc: InvoiceException, ruleset: RuleSet) -> dict[str, Any]:
    """An open exception's decision as the rules in force make it now (nothing is stored)."""
    return decision_record(ruleset.decide(exception_facts(exc, exc.invoice.customer)))


def load(session: Session, exception_id: int) -> InvoiceException:
    exc = session.scalar(
        select(InvoiceException)
        .where(InvoiceException.id == exception_id)
        .options(
            selectinload(InvoiceException.evidence).joinedload(ExceptionEvidence.attachment),
            joinedload(InvoiceException.invoice).joinedload(Invoice.customer),
        )
    )
    if exc is None:
        raise NotFound(f"no invoice exception {exception_id}", field="exception_id")
    return exc


def attach_evidence(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    exception_id: int,
    kind: str,
    attachment_id: int,
    rules_for: RulesFor,
    today: date,
    expected_version: int | None = None,
) -> InvoiceException:
    """Attach a document; the decision is made again, since evidence is a fact the rules see."""
    from service.attachments.usecases import get as get_attachment

    exc = load(session, exception_id)
    get_attachment(session, attachment_id)
    exc.evidence.append(
        ExceptionEvidence(kind=kind, attachment_id=attachment_id, attached_by=actor.username)
    )
    session.flush()
    decision = decide(exc, exc.invoice.customer, rules_for(today))
    workflows.fire(
        session,
        MACHINE,
        exc,
        "attach_evidence",
        actor=actor,
        context=ExceptionContext(exception=exc, actor=actor),
        expected_version=expected_version,
        payload={"kind": kind, "attachment_id": attachment_id},
        decisions=[decision.to_dict()],
    )
    return exc


def _finish(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    exc: InvoiceException,
    resolution: str,
    today: date,
    max_lines: int,
) -> None:
    exc.result = journal.jsonable(
        resolutions.execute(
            session, actor=actor, exc=exc, resolution=resolution, today=today, max_lines=max_lines
        )
    )
    exc.resolution = resolution
    exc.confirmed_by, exc.confirmed_at = actor.username, utcnow()
    session.flush()
    still_open = session.scalar(
        select(func.count())
        .select_from(InvoiceException)
        .where(InvoiceException.invoice_id == exc.invoice_id, InvoiceException.state == "open")
    )
    invoice = invoices.load(session, exc.invoice_id)
    if not still_open and invoice.state == "disputed":
        workflows.fire(
            session,
            invoices.MACHINE,
            invoice,
            "resolve",
            actor=actor,
            payload={"last_exception": exc.id},
        )


def confirm(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    exception_id: int,
    rules_for: RulesFor,
    today: date,
    max_lines: int,
    note: str = "",
    expected_resolution: str | None = None,
    expected_version: int | None = None,
) -> InvoiceException:
    """Confirm the rules' decision and carry it out (R18: rule, evidence, who confirmed).

    The decision is made again with the rules in force at this moment; a client that passes the
    resolution it showed the user is refused if a rule change decided otherwise meanwhile.
    """
    exc = load(session, exception_id)
    decision = decide(exc, exc.invoice.customer, rules_for(today))
    decided = str(decision.actions[0].params["resolution"]) if decision.actions else None
    if expected_resolution is not None and decided != expected_resolution:
        raise Conflict(
            f"the rules in force now decide {decided or 'nothing (a person must)'}, not "
            f"{expected_resolution}: {decision.explain()}; review and confirm again",
            field="expected_resolution",
        )
    workflows.fire(
        session,
        MACHINE,
        exc,
        "confirm",
        actor=actor,
        context=ExceptionContext(exception=exc, actor=actor),
        expected_version=expected_version,
        payload={"note": note, "evidence": [ev.kind for ev in exc.evidence]},
        decisions=[decision.to_dict()],
    )
    _finish(
        session,
        actor=actor,
        workflows=workflows,
        exc=exc,
        resolution=str(decided),
        today=today,
        max_lines=max_lines,
    )
    return exc


def override(
    session: Session,
    *,
    actor: Actor,
    workflows: Workflows,
    exception_id: int,
    resolution: str,
    reason: str,
    rules_for: RulesFor,
    today: date,
    max_lines: int,
    expected_version: int | None = None,
) -> InvoiceException:
    """Resolve differently from the rules, with a written reason that is kept (R18)."""
    exc = load(session, exception_id)
    decision = decide(exc, exc.invoice.customer, rules_for(today))
    workflows.fire(
        session,
        MACHINE,
        exc,
        "override",
        actor=actor,
        context=ExceptionContext(exception=exc, actor=actor),
        expected_version=expected_version,
        payload={
            "resolution": resolution,
            "reason": reason,
            "evidence": [ev.kind for ev in exc.evidence],
        },
        decisions=[decision.to_dict()],
    )
    exc.overridden, exc.override_reason = True, reason
    _finish(
        session,
        actor=actor,
        workflows=workflows,
        exc=exc,
        resolution=resolution,
        today=today,
        max_lines=max_lines,
    )
    return exc


def queue(
    session: Session,
    *,
    state: str | None,
    customer_id: int | None,
    kind: str | None,
    min_age_days: int | None,
    min_amount: Any,
    max_amount: Any,
    today_start: Any,
    limit: int,
    offset: int,
) -> list[InvoiceException]:
    """Finance's exception queue, oldest first."""
    stmt = (
        select(InvoiceException)
        .options(
            selectinload(InvoiceException.evidence).joinedload(ExceptionEvidence.attachment),
            joinedload(InvoiceException.invoice).joinedload(Invoice.customer),
        )
        .order_by(InvoiceException.created_at, InvoiceException.id)
        .limit(limit)
        .offset(offset)
    )
    if state:
        stmt = stmt.where(InvoiceException.state == state)
    if customer_id is not None:
        stmt = stmt.where(InvoiceException.customer_id == customer_id)
    if kind:
        stmt = stmt.where(InvoiceException.kind == kind)
    if min_age_days is not None:
        stmt = stmt.where(InvoiceException.created_at <= today_start)
    amount = func.abs(InvoiceException.amount_difference)
    if min_amount is not None:
        stmt = stmt.where(amount >= min_amount)
    if max_amount is not None:
        stmt = stmt.where(amount <= max_amount)
    return list(session.scalars(stmt))
