"""HTTP routes: receipt exceptions (R8) listed and worked to their end."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter

from service.http import Call, Limit, Offset, PathId, Reader, trigger
from service.receipts.exceptions import queries, usecases
from service.receipts.exceptions.schemas import (
    AcceptIn,
    ClaimIn,
    PathIn,
    ReceiptExceptionOut,
    RedeliveryIn,
    RefuseIn,
    SettleIn,
)
from service.schemas import Code, EventOut

router = APIRouter(tags=["receipt exceptions"])
State = Literal[
    "open", "redelivering", "redelivered", "claimed", "claim_settled", "accepted", "returned"
]


@router.get(
    "/receipt-exceptions",
    summary="Shortages and substitutions found at receipt (R8): open ones by default",
)
async def list_receipt_exceptions(
    read: Reader,
    status: queries.Status = "open",
    state: State | None = None,
    kind: Literal["shortage", "substitution"] | None = None,
    owner_role: Literal["logistics", "sales"] | None = None,
    customer_code: Code | None = None,
    carrier: Code | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ReceiptExceptionOut]:
    return await read.run(
        queries.search,
        status=status,
        state=state,
        kind=kind,
        owner_role=owner_role,
        customer_code=customer_code,
        carrier=carrier,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/receipt-exceptions/{exception_id}", summary="One receipt exception; its version is the ETag"
)
async def get_receipt_exception(exception_id: PathId, read: Reader) -> ReceiptExceptionOut:
    return await read.run(queries.get, exception_id=exception_id, etag=True)


@router.get("/receipt-exceptions/{exception_id}/history", summary="Every step of the exception")
async def receipt_exception_history(exception_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, exception_id=exception_id)


@router.post(
    "/receipt-exceptions/{exception_id}/redeliver",
    summary="A shortage is to be delivered again against the same order and PO",
)
async def redeliver(
    exception_id: PathId,
    call: Annotated[Call, trigger("receipt_exception", "redeliver")],
    body: PathIn | None = None,
) -> ReceiptExceptionOut:
    return await call.run(usecases.redeliver, exception_id=exception_id, data=body or PathIn())


@router.post(
    "/receipt-exceptions/{exception_id}/redelivery",
    summary="The follow-up delivery's signed receipt; its quantity goes on the next invoice",
)
async def post_redelivery(
    exception_id: PathId,
    body: RedeliveryIn,
    call: Annotated[Call, trigger("receipt_exception", "post_redelivery")],
) -> ReceiptExceptionOut:
    return await call.run(usecases.post_redelivery, exception_id=exception_id, data=body)


@router.post(
    "/receipt-exceptions/{exception_id}/claim",
    summary="Claim a shortage from the carrier, with the amount and the evidence",
)
async def claim(
    exception_id: PathId,
    body: ClaimIn,
    call: Annotated[Call, trigger("receipt_exception", "claim")],
) -> ReceiptExceptionOut:
    return await call.run(usecases.claim, exception_id=exception_id, data=body)


@router.post(
    "/receipt-exceptions/{exception_id}/settle-claim",
    summary="The carrier settled the claim (what it pays)",
)
async def settle_claim(
    exception_id: PathId,
    body: SettleIn,
    call: Annotated[Call, trigger("receipt_exception", "settle_claim")],
) -> ReceiptExceptionOut:
    return await call.run(usecases.settle_claim, exception_id=exception_id, data=body)


@router.post(
    "/receipt-exceptions/{exception_id}/refuse-claim",
    summary="The carrier refused the claim; the shortage is open again",
)
async def refuse_claim(
    exception_id: PathId,
    body: RefuseIn,
    call: Annotated[Call, trigger("receipt_exception", "refuse_claim")],
) -> ReceiptExceptionOut:
    return await call.run(usecases.refuse_claim, exception_id=exception_id, data=body)


@router.post(
    "/receipt-exceptions/{exception_id}/accept",
    summary="Sales accepts it with a reason (shortage not delivered; substitution kept)",
)
async def accept(
    exception_id: PathId,
    body: AcceptIn,
    call: Annotated[Call, trigger("receipt_exception", "accept")],
) -> ReceiptExceptionOut:
    return await call.run(usecases.accept, exception_id=exception_id, data=body)
