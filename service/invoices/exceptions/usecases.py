"""Work an invoice exception: attach evidence, confirm the rules' decision, or override it (R18).

Every decision is made with the rules in force at that moment, kept on the exception and in the
journal with its explanation; confirming carries the resolution out.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rules import Decision, RuleSet
from service import evidence
from service.context import Context
from service.db import utcnow
from service.errors import Conflict
from service.invoices.exceptions import resolutions
from service.invoices.exceptions.facts import exception_facts
from service.invoices.exceptions.models import ExceptionEvidence, InvoiceException
from service.invoices.exceptions.queries import answer, load, ruleset
from service.invoices.exceptions.schemas import ConfirmIn, EvidenceIn, ExceptionOut, OverrideIn
from service.invoices.models import Invoice
from service.invoices.queries import load as load_invoice
from service.journal import jsonable
from service.masterdata.models import Customer
from service.rulesets.decisions import decision_record


def decide(exc: InvoiceException, customer: Customer, rules: RuleSet) -> Decision:
    """Decide with the rules in force and keep the decision on the exception (R18)."""
    decision = rules.decide(exception_facts(exc, customer))
    exc.decision = decision_record(decision)
    return decision


def decided_resolution(decision: Decision) -> str | None:
    for action in decision.actions:
        if action.name == "resolve":
            return str(action.params["resolution"])
    return None


def attach_evidence(
    session: Session, ctx: Context, *, exception_id: int, data: EvidenceIn
) -> ExceptionOut:
    """Attach a document; the decision is made again, since evidence is a fact the rules see."""
    exc = load(session, exception_id)
    evidence.get(session, data.attachment_id, field="attachment_id")
    exc.evidence.append(
        ExceptionEvidence(
            kind=data.kind, attachment_id=data.attachment_id, attached_by=ctx.actor.username
        )
    )
    session.flush()
    decision = decide(exc, exc.invoice.customer, ruleset(ctx))
    ctx.fire(
        session,
        exc,
        "attach_evidence",
        payload={"kind": data.kind, "attachment_id": data.attachment_id},
        decisions=[decision_record(decision)],
        if_match=True,
    )
    return answer(session, ctx, exc.id)


def finish(
    session: Session,
    ctx: Context,
    exc: InvoiceException,
    resolution: str,
    *,
    confirmed: bool = True,
) -> None:
    """Carry the resolution out; the invoice's dispute ends with its last open exception.

    `confirmed`: a person confirmed it (not so when the rules' decision changes nothing)."""
    exc.result = jsonable(resolutions.execute(session, ctx, exc=exc, resolution=resolution))
    exc.resolution = resolution
    if confirmed:
        exc.confirmed_by, exc.confirmed_at = ctx.actor.username, utcnow()
    session.flush()
    still_open = session.scalar(
        select(func.count())
        .select_from(InvoiceException)
        .where(
            InvoiceException.invoice_id == exc.invoice_id,
            InvoiceException.state.in_(ctx.workflows.tagged(InvoiceException, "open")),
        )
    )
    invoice = load_invoice(session, exc.invoice_id)
    if not still_open and ctx.workflows.flow(Invoice).allows(invoice.state, "resolve"):
        ctx.fire(session, invoice, "resolve", payload={"last_exception": exc.id})


def confirm(session: Session, ctx: Context, *, exception_id: int, data: ConfirmIn) -> ExceptionOut:
    """Confirm the rules' decision and carry it out (R18: rule, evidence, who confirmed).

    The decision is made again with the rules in force at this moment; a client that passes the
    resolution it showed the user is refused if a rule change decided otherwise meanwhile.
    """
    exc = load(session, exception_id)
    decision = decide(exc, exc.invoice.customer, ruleset(ctx))
    decided = decided_resolution(decision)
    if data.expected_resolution is not None and decided != data.expected_resolution:
        raise Conflict(
            "invoice_exception.decision_changed",
            field="expected_resolution",
            decided=decided or "-",
            expected=data.expected_resolution,
            explanation=decision.explain(),
        )
    ctx.fire(
        session,
        exc,
        "confirm",
        payload={"note": data.note, "evidence": [ev.kind for ev in exc.evidence]},
        decisions=[decision_record(decision)],
        if_match=True,
    )
    finish(session, ctx, exc, str(decided))
    return answer(session, ctx, exc.id)


def override(
    session: Session, ctx: Context, *, exception_id: int, data: OverrideIn
) -> ExceptionOut:
    """Resolve differently from the rules, with a written reason that is kept (R18)."""
    exc = load(session, exception_id)
    decision = decide(exc, exc.invoice.customer, ruleset(ctx))
    payload: dict[str, Any] = {
        "resolution": data.resolution,
        "reason": data.reason,
        "evidence": [ev.kind for ev in exc.evidence],
    }
    ctx.fire(
        session,
        exc,
        "override",
        payload=payload,
        decisions=[decision_record(decision)],
        if_match=True,
    )
    exc.overridden, exc.override_reason = True, data.reason
    finish(session, ctx, exc, data.resolution)
    return answer(session, ctx, exc.id)
