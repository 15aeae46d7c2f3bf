"""HTTP routes for customer credit (R32): a customer's payment record, the credit proposals the
monthly review raised, and finance's approval or rejection."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.credit import queries, usecases
from service.credit.schemas import (
    CreditProposalOut,
    CreditRecordOut,
    ProposalApprove,
    ProposalReject,
)
from service.http import Call, Limit, PathId, QueryId, Reader, trigger
from service.schemas import EventOut

router = APIRouter(tags=["credit"])
ProposalState = Literal["proposed", "approved", "rejected"]


@router.get(
    "/customers/{code}/credit-record",
    summary="The customer's payment record with its grade and credit limit (R32)",
)
async def credit_record(code: str, read: Reader) -> CreditRecordOut:
    return await read.run(queries.credit_record, code=code)


@router.get("/credit-proposals", summary="Credit proposals, newest first (R32)")
async def list_proposals(
    read: Reader,
    state: ProposalState | None = None,
    customer: Annotated[str | None, Query(max_length=32)] = None,
    limit: Limit = 100,
    before: QueryId = None,
) -> list[CreditProposalOut]:
    return await read.run(
        queries.proposals, state=state, customer=customer, limit=limit, before=before
    )


@router.get("/credit-proposals/{proposal_id}", summary="One credit proposal; version = ETag")
async def get_proposal(proposal_id: PathId, read: Reader) -> CreditProposalOut:
    return await read.run(queries.proposal, proposal_id=proposal_id, etag=True)


@router.post(
    "/credit-proposals/{proposal_id}/approve",
    summary="Approve: the customer's grade and limit become the proposed ones (finance)",
)
async def approve_proposal(
    proposal_id: PathId,
    call: Annotated[Call, trigger("credit_proposal", "approve")],
    body: ProposalApprove | None = None,
) -> CreditProposalOut:
    return await call.run(usecases.approve, proposal_id=proposal_id, data=body or ProposalApprove())


@router.post(
    "/credit-proposals/{proposal_id}/reject",
    summary="Reject, with a note: the customer keeps its grade and limit (finance)",
)
async def reject_proposal(
    proposal_id: PathId,
    body: ProposalReject,
    call: Annotated[Call, trigger("credit_proposal", "reject")],
) -> CreditProposalOut:
    return await call.run(usecases.reject, proposal_id=proposal_id, data=body)


@router.get(
    "/credit-proposals/{proposal_id}/history",
    summary="Every transition of the credit proposal, from the journal",
)
async def proposal_history(proposal_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, proposal_id=proposal_id)
