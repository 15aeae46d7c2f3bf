"""Reading invoice exceptions: finance's queue, one exception, its history; one way to show one.

An open exception shows the decision the rules in force make now, with its explanation; a
resolved one what was decided and done (R18).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from rules import RuleSet
from service import journal
from service.context import Context
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.invoices.exceptions.facts import RULESET, exception_facts
from service.invoices.exceptions.guards import resolve_params
from service.invoices.exceptions.models import ExceptionEvidence, InvoiceException
from service.invoices.exceptions.schemas import EvidenceOut, ExceptionOut
from service.invoices.models import Invoice
from service.masterdata import queries as masterdata
from service.rulesets.decisions import decision_record
from service.schemas import EventOut

_SHOWN = (
    "id",
    "invoice_id",
    "kind",
    "state",
    "version",
    "item_code",
    "booked_item_code",
    "invoiced_qty",
    "booked_qty",
    "invoiced_unit_price",
    "booked_unit_price",
    "quantity_difference",
    "invoiced_amount",
    "booked_amount",
    "invoiced_tax",
    "booked_tax",
    "invoiced_discount",
    "booked_discount",
    "amount_difference",
    "tax_difference",
    "discount_difference",
    "total_difference",
    "line_tax_difference",
    "invoice_tax_difference",
    "overridden",
    "override_reason",
    "confirmed_by",
    "confirmed_at",
    "result",
    "created_at",
)


def ruleset(ctx: Context) -> RuleSet:
    """The invoice_exception rule set in force today; refused when there is none."""
    try:
        return ctx.rules.in_force(RULESET, ctx.today)
    except LookupError:
        raise Conflict("rules.nothing_in_force", ruleset=RULESET, day=ctx.today) from None


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
        raise NotFound(
            "invoice_exception.not_found", field="exception_id", exception_id=exception_id
        )
    return exc


def exception_out(exc: InvoiceException, ctx: Context) -> ExceptionOut:
    """The exception as the API shows it, whether just written or read."""
    flow = ctx.workflows.flow(InvoiceException)
    decision = exc.decision
    if flow.has_tag(exc.state, "open"):
        facts = exception_facts(exc, exc.invoice.customer)
        decision = decision_record(ruleset(ctx).decide(facts))
    params: dict[str, Any] = resolve_params(decision) or {}
    required = [str(k) for k in params.get("evidence", [])]
    attached = {ev.kind for ev in exc.evidence}
    return ExceptionOut(
        **{name: getattr(exc, name) for name in _SHOWN},
        decision=decision,
        invoice_no=exc.invoice.invoice_no,
        customer_code=exc.invoice.customer.code,
        age_days=(utcnow() - exc.created_at).days,
        explanation=str(decision.get("explanation", "")) or "no rule decides: a person must",
        resolution=exc.resolution or params.get("resolution"),
        required_evidence=required,
        missing_evidence=[k for k in required if k not in attached],
        confirm_by=params.get("confirm_by"),
        evidence=[
            EvidenceOut(
                kind=ev.kind,
                attachment_id=ev.attachment_id,
                sha256=ev.attachment.sha256,
                attached_by=ev.attached_by,
                attached_at=ev.attached_at,
            )
            for ev in exc.evidence
        ],
        allowed_triggers=flow.allowed_triggers(exc.state),
    )


def answer(session: Session, ctx: Context, exception_id: int) -> ExceptionOut:
    """The exception as stored now (after a change)."""
    session.flush()
    session.expire_all()
    return exception_out(load(session, exception_id), ctx)


def get(session: Session, ctx: Context, *, exception_id: int) -> ExceptionOut:
    return exception_out(load(session, exception_id), ctx)


def queue(
    session: Session,
    ctx: Context,
    *,
    state: str | None,
    customer_code: str | None,
    kind: str | None,
    min_age_days: int | None,
    min_amount: Decimal | None,
    max_amount: Decimal | None,
    limit: int,
    offset: int,
) -> list[ExceptionOut]:
    """Finance's exception queue, oldest first; amounts are |total difference|."""
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
    if customer_code:
        stmt = stmt.where(InvoiceException.customer_id == masterdata.customer_id(customer_code))
    if kind:
        stmt = stmt.where(InvoiceException.kind == kind)
    if min_age_days is not None:
        day = ctx.today - timedelta(days=min_age_days)
        cutoff = datetime.combine(day + timedelta(days=1), time(), tzinfo=ctx.clock.tz)
        stmt = stmt.where(InvoiceException.created_at <= cutoff)
    amount = func.abs(InvoiceException.total_difference)
    if min_amount is not None:
        stmt = stmt.where(amount >= min_amount)
    if max_amount is not None:
        stmt = stmt.where(amount <= max_amount)
    return [exception_out(exc, ctx) for exc in session.scalars(stmt)]


def history(session: Session, _ctx: Context, *, exception_id: int) -> list[EventOut]:
    load(session, exception_id)
    return [
        EventOut.model_validate(e)
        for e in journal.history(session, "invoice_exception", exception_id)
    ]
