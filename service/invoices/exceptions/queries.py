"""Reading invoice exceptions: finance's queue, one exception, its history; one way to show one.

An open exception shows the decision the rules in force make now, with its explanation; a
resolved one what was decided and done (R18). The pages read a page of the queue with its counts
by kind, an invoice's exceptions, and one exception with its decision and evidence files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from rules import RuleSet
from rules.vocabularies.invoice_exception import KINDS
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
from service.masterdata.models import Customer
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


# --- What the pages read -------------------------------------------------------------------


@dataclass(frozen=True)
class ExceptionRow:
    """One line of finance's queue: what it is, how old, how much, what is decided or done."""

    id: int
    invoice_id: int
    invoice_no: str
    customer_code: str
    kind: str
    state: str
    item_code: str | None
    total_difference: Decimal
    age_days: int
    resolution: str | None


def _rows(session: Session, ctx: Context, stmt: Select[*tuple[Any, ...]]) -> list[ExceptionRow]:
    now = ctx.clock.now()
    return [
        ExceptionRow(
            id=row.id,
            invoice_id=row.invoice_id,
            invoice_no=row.invoice_no,
            customer_code=row.code,
            kind=row.kind,
            state=row.state,
            item_code=row.item_code,
            total_difference=row.total_difference,
            age_days=(now - row.created_at).days,
            resolution=row.resolution or (resolve_params(row.decision) or {}).get("resolution"),
        )
        for row in session.execute(stmt)
    ]


_ROW = (
    select(
        InvoiceException.id,
        InvoiceException.invoice_id,
        Invoice.invoice_no,
        Customer.code,
        InvoiceException.kind,
        InvoiceException.state,
        InvoiceException.item_code,
        InvoiceException.total_difference,
        InvoiceException.created_at,
        InvoiceException.resolution,
        InvoiceException.decision,
    )
    .join(Invoice, Invoice.id == InvoiceException.invoice_id)
    .join(Customer, Customer.id == InvoiceException.customer_id)
)


def browse(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    kind: str | None = None,
    customer_code: str | None = None,
    before: int | None = None,
    size: int = 50,
) -> tuple[list[ExceptionRow], int | None]:
    """A page of the queue, newest first, and where the next page starts (by key)."""
    stmt = _ROW.order_by(InvoiceException.id.desc()).limit(size + 1)
    if state:
        stmt = stmt.where(InvoiceException.state == state)
    if kind:
        stmt = stmt.where(InvoiceException.kind == kind)
    if customer_code:
        stmt = stmt.where(InvoiceException.customer_id == masterdata.customer_id(customer_code))
    if before is not None:
        stmt = stmt.where(InvoiceException.id < before)
    found = _rows(session, ctx, stmt)
    following = found[size - 1].id if len(found) > size else None
    return found[:size], following


def counts(
    session: Session,
    _ctx: Context,
    *,
    state: str | None = None,
    customer_code: str | None = None,
) -> dict[str, int]:
    """How many exceptions of each kind the queue holds (in one state, of one customer)."""
    stmt = select(InvoiceException.kind, func.count()).group_by(InvoiceException.kind)
    if state:
        stmt = stmt.where(InvoiceException.state == state)
    if customer_code:
        stmt = stmt.where(InvoiceException.customer_id == masterdata.customer_id(customer_code))
    found = {str(kind): int(count) for kind, count in session.execute(stmt)}
    return {kind: found[kind] for kind in KINDS if kind in found}


def of_invoice(session: Session, ctx: Context, *, invoice_id: int) -> list[ExceptionRow]:
    """The exceptions a booking of the invoice opened, oldest first."""
    stmt = _ROW.where(InvoiceException.invoice_id == invoice_id).order_by(InvoiceException.id)
    return _rows(session, ctx, stmt)


@dataclass(frozen=True)
class EvidenceFile:
    """An attached file as people pick it out: its name, type, size, who uploaded it."""

    attachment_id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class ExceptionSheet:
    """One exception as its page shows it: the exception (with the decision the rules in force
    make now, when it is open), the decision as stored, what the fired rules say, and the files
    of its evidence."""

    exception: ExceptionOut
    stored: dict[str, Any]
    rule_descriptions: dict[str, str]
    files: dict[int, EvidenceFile]
    invoice_state: str


def sheet(session: Session, ctx: Context, *, exception_id: int) -> ExceptionSheet:
    exc = load(session, exception_id)
    shown = exception_out(exc, ctx)
    descriptions: dict[str, str] = {}
    try:
        rules = ctx.rules.in_force(RULESET, ctx.today)
    except LookupError:
        rules = None
    if rules is not None:
        fired = set(exc.decision.get("rules", [])) | set(shown.decision.get("rules", []))
        descriptions = {r.id: r.description for r in rules.rules if r.id in fired}
    return ExceptionSheet(
        exception=shown,
        stored=dict(exc.decision),
        rule_descriptions=descriptions,
        files={
            ev.attachment_id: EvidenceFile(
                attachment_id=ev.attachment_id,
                filename=ev.attachment.filename,
                content_type=ev.attachment.content_type,
                size=ev.attachment.size,
            )
            for ev in exc.evidence
        },
        invoice_state=exc.invoice.state,
    )
