"""People's work on statements (R21, R22): drafting one a customer asks for, sending it,
recording the customer's confirmation or its disputed lines, re-drafting; finance's statement
adjustments and its decisions on disputed lines. Every step goes through a lifecycle
(workflows/definitions/statement*.yaml), journalled with who and why."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.errors import Conflict, Invalid
from service.masterdata import queries as masterdata
from service.masterdata.models import Customer
from service.scheduler.tasks import NewTask, raise_tasks, resolve_for_subject, words
from service.statements import reasons
from service.statements.drafting import claim, current_version_id, keep_version
from service.statements.jobs import RECONCILE_FINANCE, RECONCILE_SALES
from service.statements.models import (
    Statement,
    StatementAdjustment,
    StatementDispute,
    StatementEntry,
    StatementLine,
)
from service.statements.opening import open_statement
from service.statements.queries import (
    adjustment_out,
    customer_by_code,
    get_dispute,
    load,
    load_adjustment,
    load_dispute,
    statement_out,
)
from service.statements.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    CancelIn,
    ConfirmIn,
    DecideIn,
    DisputeIn,
    DisputeOut,
    RedraftIn,
    SendIn,
    StatementIn,
    StatementOut,
)

STATEMENT_DISPUTE = "statement_dispute_open"
# How far from today a requested statement's settlement date may be.
REQUEST_RANGE = timedelta(days=366)


def _end_of_day(ctx: Context, day: date) -> datetime:
    return datetime.combine(day, time(18, 0), tzinfo=ctx.settings.tz)


def _not_after_today(ctx: Context, day: date, field: str) -> None:
    if day > ctx.today:
        raise Invalid("statement.date_in_future", field=field, day=day)


# --- statements -----------------------------------------------------------------------------


def draft_requested(session: Session, ctx: Context, *, data: StatementIn) -> StatementOut:
    """A statement the customer asks for: what falls due on or before the date and is on no
    statement yet, now (kind `requested`; one per customer and date)."""
    customer = customer_by_code(session, data.customer_code)
    if abs(data.settlement_date - ctx.today) > REQUEST_RANGE:
        raise Invalid(
            "statement.settlement_date_out_of_range",
            field="settlement_date",
            day=data.settlement_date,
        )
    opened = open_statement(
        session,
        ctx.workflows,
        actor=ctx.actor,
        today=ctx.today,
        customer_id=customer.id,
        settlement_date=data.settlement_date,
        kind="requested",
        reason=reasons.REQUESTED,
    )
    statement = session.get_one(Statement, opened.statement_id)
    if not opened.created:
        raise Conflict(
            "statement.already_drafted",
            field="settlement_date",
            statement_no=statement.statement_no,
        )
    answer = statement_out(session, ctx, statement)
    listed = [lines for kind, lines in answer.current.lines.items() if kind != "open_return"]
    if not any(listed):
        raise Invalid(
            "statement.nothing_to_reconcile",
            field="settlement_date",
            customer_code=customer.code,
            day=data.settlement_date,
        )
    return answer


def send(session: Session, ctx: Context, *, statement_no: str, data: SendIn) -> StatementOut:
    """Sent to the customer: when, to whom, how (`sent_on` is the business date of the step)."""
    statement = load(session, statement_no, for_update=True)
    ctx = ctx.carried(session, data.sent_on, field="sent_on")
    ctx.fire(session, statement, "send", payload=data.model_dump(mode="json"), if_match=True)
    _not_after_today(ctx, data.sent_on, "sent_on")
    statement.sent_on, statement.sent_to, statement.channel = data.sent_on, data.to, data.channel
    customer = session.get_one(Customer, statement.customer_id)
    statement.parties = masterdata.parties_now(ctx, customer).stored()
    return statement_out(session, ctx, statement)


def confirm(session: Session, ctx: Context, *, statement_no: str, data: ConfirmIn) -> StatementOut:
    """R22: confirmed by both sides, the customer's signatory and reference with its signed
    copy, and our confirmer (the caller). Its reconciliation tasks are done. `confirmed_on` is
    the business date of the step."""
    statement = load(session, statement_no, for_update=True)
    ctx = ctx.carried(session, data.confirmed_on, field="confirmed_on")
    ctx.fire(session, statement, "confirm", payload=data.model_dump(mode="json"), if_match=True)
    _not_after_today(ctx, data.confirmed_on, "confirmed_on")
    if statement.sent_on is not None and data.confirmed_on < statement.sent_on:
        raise Invalid(
            "statement.confirmed_before_sent",
            field="confirmed_on",
            day=data.confirmed_on,
            sent_on=statement.sent_on,
        )
    evidence.named(session, data.evidence_id, "evidence_id")
    statement.confirmed_on = data.confirmed_on
    statement.customer_signatory = data.customer_signatory
    statement.customer_reference = data.customer_reference
    statement.confirmation_id = data.evidence_id
    statement.confirmed_by = ctx.actor.username
    for kind in (RECONCILE_SALES, RECONCILE_FINANCE):
        resolve_for_subject(
            session,
            ctx,
            kind=kind,
            subject_type="statement",
            subject_id=statement.id,
            note=f"statement {statement.statement_no} confirmed by both sides",
        )
    return statement_out(session, ctx, statement)


def dispute(session: Session, ctx: Context, *, statement_no: str, data: DisputeIn) -> StatementOut:
    """The customer disputes lines of the statement it was sent: one statement dispute per line
    in finance's queue, each with a task."""
    statement = load(session, statement_no, for_update=True)
    ctx.fire(session, statement, "dispute", payload=data.model_dump(mode="json"), if_match=True)
    version_id = current_version_id(session, statement)
    on_it = set(
        session.scalars(select(StatementLine.id).where(StatementLine.version_id == version_id))
    )
    seen: set[int] = set()
    disputes = []
    for i, line in enumerate(data.lines):
        if line.line_id not in on_it:
            raise Invalid(
                "statement.line_not_on_statement",
                field=f"lines[{i}].line_id",
                line_id=line.line_id,
                statement_no=statement_no,
            )
        if line.line_id in seen:
            raise Invalid("statement.line_disputed_twice", field=f"lines[{i}].line_id")
        seen.add(line.line_id)
        made = StatementDispute(
            statement_id=statement.id,
            line_id=line.line_id,
            statement_version=statement.versions,
            reason=line.reason,
            customer_amount=line.customer_amount,
            resolution="",
            created_by=ctx.actor.username,
        )
        ctx.create(session, made, payload={"line_id": line.line_id, "reason": line.reason})
        disputes.append(made)
    raise_tasks(
        session,
        ctx.workflows,
        [
            NewTask(
                kind=STATEMENT_DISPUTE,
                subject_type="statement_dispute",
                subject_id=d.id,
                period="open",
                owner_role="finance",
                title=f"Decide the disputed line {d.line_id} of statement {statement_no} (R22)",
                due_at=_end_of_day(ctx, ctx.today + timedelta(days=1)),
                words=words(
                    "tasks.title.statement_dispute_open", line=d.line_id, statement=statement_no
                ),
                detail={"statement_no": statement_no, "line_id": d.line_id, "reason": d.reason},
            )
            for d in disputes
        ],
        actor=ctx.actor.username,
    )
    return statement_out(session, ctx, statement)


def redraft(session: Session, ctx: Context, *, statement_no: str, data: RedraftIn) -> StatementOut:
    """A new version from the current data: invoices still receivable, new ones falling due,
    new credits and adjustments; voided ones drop out. The previous versions are kept."""
    statement = load(session, statement_no, for_update=True)
    ctx.fire(session, statement, "redraft", payload={"reason": data.reason}, if_match=True)
    claim(
        session,
        ctx.workflows,
        statement_id=statement.id,
        customer_id=statement.customer_id,
        settlement_date=statement.settlement_date,
    )
    keep_version(session, ctx.workflows, statement, actor=ctx.actor.username, reason=data.reason)
    statement.sent_on = statement.sent_to = statement.channel = None
    return statement_out(session, ctx, statement)


# --- disputes -------------------------------------------------------------------------------


def _decide(
    session: Session, ctx: Context, dispute_id: int, trigger: str, data: DecideIn
) -> DisputeOut:
    found = load_dispute(session, dispute_id)
    ctx.fire(session, found, trigger, payload={"note": data.note}, if_match=True)
    found.resolution = data.note
    resolve_for_subject(
        session,
        ctx,
        kind=STATEMENT_DISPUTE,
        subject_type="statement_dispute",
        subject_id=found.id,
        note=f"{trigger}: {data.note}",
    )
    return get_dispute(session, ctx, dispute_id=found.id)


def accept_dispute(
    session: Session, ctx: Context, *, dispute_id: int, data: DecideIn
) -> DisputeOut:
    """Finance agrees with the customer; the correction goes into the re-drafted statement."""
    return _decide(session, ctx, dispute_id, "accept", data)


def reject_dispute(
    session: Session, ctx: Context, *, dispute_id: int, data: DecideIn
) -> DisputeOut:
    """Finance disagrees, with the reason for the customer."""
    return _decide(session, ctx, dispute_id, "reject", data)


# --- adjustments ----------------------------------------------------------------------------


def enter_adjustment(session: Session, ctx: Context, *, data: AdjustmentIn) -> AdjustmentOut:
    """A price reduction, rebate, margin support or fee the customer's next statement deducts,
    with its document and evidence (R21)."""
    customer = customer_by_code(session, data.customer_code)
    if len(set(data.evidence)) != len(data.evidence):
        raise Invalid("statement.evidence_repeated", field="evidence")
    for i, attachment_id in enumerate(data.evidence):
        evidence.named(session, attachment_id, f"evidence[{i}]")
    made = StatementAdjustment(
        customer_id=customer.id,
        kind=data.kind,
        amount=data.amount,
        description=data.description,
        document_no=data.document_no,
        evidence=list(data.evidence),
        created_by=ctx.actor.username,
    )
    ctx.create(session, made, payload=data.model_dump(mode="json"))
    return adjustment_out(session, made)


def cancel_adjustment(
    session: Session, ctx: Context, *, adjustment_id: int, data: CancelIn
) -> AdjustmentOut:
    """Cancelled while no statement lists it."""
    found = load_adjustment(session, adjustment_id)
    taken = session.scalar(
        select(StatementEntry.statement_id).where(
            StatementEntry.source_type == "adjustment", StatementEntry.source_id == found.id
        )
    )
    if taken is not None:
        raise Conflict("statement.adjustment_on_statement", adjustment_id=found.id)
    ctx.fire(session, found, "cancel", payload={"reason": data.reason}, if_match=True)
    return adjustment_out(session, found)
