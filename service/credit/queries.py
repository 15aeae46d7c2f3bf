"""Reading credit: a customer's payment record, the proposals, one proposal and its history."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import journal
from service.context import Context
from service.credit.models import CreditProposal
from service.credit.record import LOOKBACK_DAYS, records
from service.credit.schemas import CreditProposalOut, CreditRecordOut
from service.errors import NotFound
from service.masterdata.models import Customer
from service.masterdata.queries import addressed_customer
from service.schemas import EventOut
from workflows import Flow


def credit_record(session: Session, ctx: Context, *, code: str) -> CreditRecordOut:
    """The customer's payment record as of today, with its grade and limit."""
    customer = addressed_customer(session, code)
    figures = records(session, ctx.today, [customer.id])[customer.id]
    return CreditRecordOut(
        customer_code=customer.code,
        customer_name=customer.name,
        grade=customer.grade,
        credit_limit=customer.credit_limit,
        as_of=ctx.today,
        lookback_days=LOOKBACK_DAYS,
        figures=figures,
    )


def load(session: Session, proposal_id: int) -> CreditProposal:
    found = session.get(CreditProposal, proposal_id)
    if found is None:
        raise NotFound("credit.proposal_not_found", field="proposal_id", proposal_id=proposal_id)
    return found


def proposal_out(proposal: CreditProposal, code: str, flow: Flow) -> CreditProposalOut:
    out = CreditProposalOut.model_validate(
        {
            **{c.key: getattr(proposal, c.key) for c in CreditProposal.__table__.columns},
            "customer_code": code,
            "allowed_triggers": flow.allowed_triggers(proposal.state),
        }
    )
    return out


def proposal(session: Session, ctx: Context, *, proposal_id: int) -> CreditProposalOut:
    found = load(session, proposal_id)
    code = session.scalar(select(Customer.code).where(Customer.id == found.customer_id)) or ""
    return proposal_out(found, code, ctx.workflows.flow(CreditProposal))


def proposals(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    customer: str | None = None,
    limit: int = 100,
    before: int | None = None,
) -> list[CreditProposalOut]:
    """Proposals newest first, by state and customer, paged by key (`before` an id)."""
    query = select(CreditProposal, Customer.code).join(
        Customer, Customer.id == CreditProposal.customer_id
    )
    if state:
        query = query.where(CreditProposal.state == state)
    if customer:
        query = query.where(Customer.code == customer)
    if before:
        query = query.where(CreditProposal.id < before)
    flow = ctx.workflows.flow(CreditProposal)
    rows = session.execute(query.order_by(CreditProposal.id.desc()).limit(limit)).all()
    return [proposal_out(p, code, flow) for p, code in rows]


def history(session: Session, _ctx: Context, *, proposal_id: int) -> list[EventOut]:
    load(session, proposal_id)
    return [
        EventOut.model_validate(e) for e in journal.history(session, "credit_proposal", proposal_id)
    ]
