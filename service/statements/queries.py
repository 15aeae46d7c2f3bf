"""Reading statements, their versions, statement adjustments and disputes: what the API and the
pages show. Other features may read `on_statement` (which statement lists an invoice)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from service import journal
from service.context import Context
from service.errors import NotFound
from service.masterdata.models import Customer
from service.schemas import EventOut
from service.statements.models import (
    LINE_KINDS,
    Statement,
    StatementAdjustment,
    StatementDispute,
    StatementEntry,
    StatementLine,
    StatementVersion,
)
from service.statements.schemas import (
    AdjustmentOut,
    DisputeOut,
    LineOut,
    StatementOut,
    StatementSummary,
    Totals,
    VersionOut,
    VersionSummary,
)


def load(session: Session, statement_no: str, *, for_update: bool = False) -> Statement:
    query = select(Statement).where(Statement.statement_no == statement_no)
    if for_update:
        query = query.with_for_update()
    found = session.scalars(query).one_or_none()
    if found is None:
        raise NotFound("statement.not_found", field="statement_no", statement_no=statement_no)
    return found


def customer_by_code(session: Session, code: str, field: str = "customer_code") -> Customer:
    found = session.scalars(select(Customer).where(Customer.code == code)).one_or_none()
    if found is None:
        raise NotFound("statement.customer_not_found", field=field, customer_code=code)
    return found


def _version(session: Session, statement: Statement, number: int) -> StatementVersion:
    found = session.scalars(
        select(StatementVersion).where(
            StatementVersion.statement_id == statement.id, StatementVersion.number == number
        )
    ).one_or_none()
    if found is None:
        raise NotFound(
            "statement.version_not_found",
            field="number",
            statement_no=statement.statement_no,
            number=number,
        )
    return found


def version_out(session: Session, version: StatementVersion) -> VersionOut:
    lines = session.scalars(
        select(StatementLine)
        .where(StatementLine.version_id == version.id)
        .order_by(StatementLine.id)
    ).all()
    grouped: dict[str, list[LineOut]] = {kind: [] for kind in LINE_KINDS}
    for line in lines:
        grouped[line.kind].append(LineOut.model_validate(line))
    return VersionOut(
        number=version.number,
        reason=version.reason,
        made_by=version.made_by,
        made_at=version.made_at,
        totals=Totals.model_validate(version),
        changes=version.changes,
        lines=grouped,
    )


def _summary_fields(statement: Statement, customer: Customer) -> dict[str, Any]:
    return {
        "id": statement.id,
        "statement_no": statement.statement_no,
        "customer_code": customer.code,
        "customer_name": customer.name,
        "settlement_date": statement.settlement_date,
        "kind": statement.kind,
        "state": statement.state,
        "version": statement.version,
        "versions": statement.versions,
        "amount_due": statement.amount_due,
        "draft_day": statement.draft_day,
    }


def statement_out(session: Session, ctx: Context, statement: Statement) -> StatementOut:
    """The statement with its current version (lines grouped, totals), its versions, the
    triggers allowed now and its disputes."""
    customer = session.get_one(Customer, statement.customer_id)
    versions = session.scalars(
        select(StatementVersion)
        .where(StatementVersion.statement_id == statement.id)
        .order_by(StatementVersion.number)
    ).all()
    flow = ctx.workflows.flow(Statement)
    return StatementOut(
        **_summary_fields(statement, customer),
        lead_working_days=statement.lead_working_days,
        decision=statement.decision,
        totals=Totals.model_validate(statement),
        current=version_out(session, versions[-1]),
        history=[
            VersionSummary(
                number=v.number,
                reason=v.reason,
                made_by=v.made_by,
                made_at=v.made_at,
                amount_due=v.amount_due,
            )
            for v in versions
        ],
        allowed_triggers=flow.allowed_triggers(statement.state),
        sent_on=statement.sent_on,
        sent_to=statement.sent_to,
        channel=statement.channel,
        confirmed_on=statement.confirmed_on,
        customer_signatory=statement.customer_signatory,
        customer_reference=statement.customer_reference,
        confirmation_id=statement.confirmation_id,
        confirmed_by=statement.confirmed_by,
        created_by=statement.created_by,
        created_at=statement.created_at,
        disputes=disputes_of(session, [statement.id]),
    )


def get(session: Session, ctx: Context, *, statement_no: str) -> StatementOut:
    return statement_out(session, ctx, load(session, statement_no))


def get_version(session: Session, _ctx: Context, *, statement_no: str, number: int) -> VersionOut:
    return version_out(session, _version(session, load(session, statement_no), number))


def search(
    session: Session,
    _ctx: Context,
    *,
    customer_code: str | None = None,
    state: str | None = None,
    settled_from: date | None = None,
    settled_to: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[StatementSummary]:
    """Statements by settlement date (latest first), filtered, one bounded page."""
    query = select(Statement, Customer).join(Customer, Customer.id == Statement.customer_id)
    if customer_code is not None:
        query = query.where(Customer.code == customer_code)
    if state is not None:
        query = query.where(Statement.state == state)
    if settled_from is not None:
        query = query.where(Statement.settlement_date >= settled_from)
    if settled_to is not None:
        query = query.where(Statement.settlement_date <= settled_to)
    rows = session.execute(
        query.order_by(Statement.settlement_date.desc(), Statement.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [StatementSummary(**_summary_fields(s, c)) for s, c in rows]


def history(session: Session, _ctx: Context, *, statement_no: str) -> list[EventOut]:
    statement = load(session, statement_no)
    return [EventOut.model_validate(e) for e in journal.history(session, "statement", statement.id)]


# --- disputes -------------------------------------------------------------------------------


def disputes_of(
    session: Session,
    statement_ids: list[int] | None = None,
    *,
    state: str | None = None,
    limit: int = 500,
    offset: int = 0,
    open_first: bool = False,
) -> list[DisputeOut]:
    query = (
        select(StatementDispute, Statement.statement_no, StatementLine)
        .join(Statement, Statement.id == StatementDispute.statement_id)
        .join(StatementLine, StatementLine.id == StatementDispute.line_id)
    )
    if statement_ids is not None:
        query = query.where(StatementDispute.statement_id.in_(statement_ids))
    if state is not None:
        query = query.where(StatementDispute.state == state)
    first = [case((StatementDispute.state == "open", 0), else_=1)] if open_first else []
    ordered = query.order_by(*first, StatementDispute.id)
    rows = session.execute(ordered.limit(limit).offset(offset)).all()
    return [
        DisputeOut(
            id=d.id,
            statement_id=d.statement_id,
            statement_no=no,
            statement_version=d.statement_version,
            line_id=d.line_id,
            line_kind=line.kind,
            line_reference=line.reference,
            line_amount=line.amount,
            reason=d.reason,
            customer_amount=d.customer_amount,
            state=d.state,
            version=d.version,
            resolution=d.resolution,
            created_by=d.created_by,
            created_at=d.created_at,
        )
        for d, no, line in rows
    ]


def search_disputes(
    session: Session,
    _ctx: Context,
    *,
    state: str | None = "open",
    limit: int = 100,
    offset: int = 0,
) -> list[DisputeOut]:
    """Finance's queue of disputed statement lines (open ones by default)."""
    return disputes_of(session, state=state, limit=limit, offset=offset)


def dispute_queue(
    session: Session, _ctx: Context, *, state: str | None, limit: int, offset: int
) -> list[DisputeOut]:
    """Finance's queue as its page shows it: the open disputed lines first, then the decided
    ones (oldest first within each)."""
    return disputes_of(session, state=state, limit=limit, offset=offset, open_first=True)


def load_dispute(session: Session, dispute_id: int) -> StatementDispute:
    found = session.get(StatementDispute, dispute_id)
    if found is None:
        raise NotFound("statement.dispute_not_found", field="dispute_id", dispute_id=dispute_id)
    return found


def get_dispute(session: Session, _ctx: Context, *, dispute_id: int) -> DisputeOut:
    dispute = load_dispute(session, dispute_id)
    return next(d for d in disputes_of(session, [dispute.statement_id]) if d.id == dispute_id)


# --- adjustments ----------------------------------------------------------------------------


def adjustment_out(session: Session, adjustment: StatementAdjustment) -> AdjustmentOut:
    customer = session.get_one(Customer, adjustment.customer_id)
    statement_no = session.scalar(
        select(Statement.statement_no)
        .join(StatementEntry, StatementEntry.statement_id == Statement.id)
        .where(
            StatementEntry.source_type == "adjustment", StatementEntry.source_id == adjustment.id
        )
    )
    return AdjustmentOut(
        id=adjustment.id,
        customer_code=customer.code,
        kind=adjustment.kind,
        amount=adjustment.amount,
        description=adjustment.description,
        document_no=adjustment.document_no,
        evidence=list(adjustment.evidence),
        state=adjustment.state,
        version=adjustment.version,
        statement_no=statement_no,
        created_by=adjustment.created_by,
        created_at=adjustment.created_at,
    )


def load_adjustment(session: Session, adjustment_id: int) -> StatementAdjustment:
    found = session.get(StatementAdjustment, adjustment_id)
    if found is None:
        raise NotFound(
            "statement.adjustment_not_found", field="adjustment_id", adjustment_id=adjustment_id
        )
    return found


def get_adjustment(session: Session, _ctx: Context, *, adjustment_id: int) -> AdjustmentOut:
    return adjustment_out(session, load_adjustment(session, adjustment_id))


def search_adjustments(
    session: Session,
    _ctx: Context,
    *,
    customer_code: str | None = None,
    state: str | None = None,
    kind: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AdjustmentOut]:
    query = select(StatementAdjustment).join(
        Customer, Customer.id == StatementAdjustment.customer_id
    )
    if customer_code is not None:
        query = query.where(Customer.code == customer_code)
    if state is not None:
        query = query.where(StatementAdjustment.state == state)
    if kind is not None:
        query = query.where(StatementAdjustment.kind == kind)
    found = session.scalars(
        query.order_by(StatementAdjustment.id.desc()).limit(limit).offset(offset)
    ).all()
    return [adjustment_out(session, a) for a in found]


def on_statement(session: Session, invoice_statement_id: int | None) -> str | None:
    """The number of the statement listing an invoice (`invoices.statement_id`), if any."""
    if invoice_statement_id is None:
        return None
    return session.scalar(
        select(Statement.statement_no).where(Statement.id == invoice_statement_id)
    )
