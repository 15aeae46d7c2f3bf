"""Finance decides a credit proposal (R32): approving it changes the customer's grade and limit
through the customer's lifecycle (`review_credit`, journalled with before and after, as every
customer change is); rejecting it keeps them. Either resolves the proposal's task."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.context import Context
from service.credit.jobs import TASK
from service.credit.models import CreditProposal
from service.credit.queries import load, proposal_out
from service.credit.schemas import CreditProposalOut, ProposalApprove, ProposalReject
from service.masterdata.models import Customer
from service.scheduler.tasks import resolve_for_subject


def _decided(
    session: Session, ctx: Context, proposal: CreditProposal, note: str, customer: Customer
) -> CreditProposalOut:
    proposal.decided_by, proposal.decided_at = ctx.actor.username, ctx.clock.now()
    proposal.decision_note = note
    resolve_for_subject(
        session,
        ctx,
        kind=TASK,
        subject_type="credit_proposal",
        subject_id=proposal.id,
        note=f"{proposal.state}: {note}" if note else proposal.state,
    )
    session.flush()
    return proposal_out(proposal, customer.code, ctx.workflows.flow(CreditProposal))


def _customer(session: Session, proposal: CreditProposal) -> Customer:
    """The proposal's customer, locked against a concurrent change (PostgreSQL)."""
    return session.scalars(
        select(Customer).where(Customer.id == proposal.customer_id).with_for_update()
    ).one()


def approve(
    session: Session, ctx: Context, *, proposal_id: int, data: ProposalApprove
) -> CreditProposalOut:
    """The customer's grade and limit become the proposed ones, at once."""
    proposal = load(session, proposal_id)
    customer = _customer(session, proposal)
    ctx.fire(session, proposal, "approve", payload={"note": data.note}, if_match=True)
    changes = {
        name: {"before": before, "after": after}
        for name, before, after in (
            ("grade", customer.grade, proposal.grade_after),
            ("credit_limit", customer.credit_limit, proposal.limit_after),
        )
        if before != after
    }
    if changes:
        payload = {"changes": changes, "credit_proposal_id": proposal.id, "period": proposal.period}
        ctx.fire(session, customer, "review_credit", payload=payload)
        customer.grade, customer.credit_limit = proposal.grade_after, proposal.limit_after
    return _decided(session, ctx, proposal, data.note, customer)


def reject(
    session: Session, ctx: Context, *, proposal_id: int, data: ProposalReject
) -> CreditProposalOut:
    """The customer keeps its grade and limit; the note says why."""
    proposal = load(session, proposal_id)
    customer = _customer(session, proposal)
    ctx.fire(session, proposal, "reject", payload={"note": data.note}, if_match=True)
    return _decided(session, ctx, proposal, data.note, customer)
