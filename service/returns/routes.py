"""HTTP routes for returns: request, approve, reject, cancel, receive, credit; read (R24-R26)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from rules.vocabularies.return_credit import Reason
from service.http import Call, Limit, PathId, QueryId, Reader, creating, trigger
from service.returns import crediting, queries, usecases
from service.returns.schemas import (
    ApproveIn,
    BlueInvoiceIn,
    CancelIn,
    ConsentIn,
    MethodIn,
    ReasonIn,
    ReturnCreate,
    ReturnOut,
    ReturnReceiptIn,
    UncreditedOut,
)
from service.schemas import EventOut, ShortCode

router = APIRouter(prefix="/returns", tags=["returns"])


@router.post(
    "",
    status_code=201,
    summary="Sales requests a return against an invoiced order's blue invoice (R24)",
)
async def request_return(
    body: ReturnCreate, call: Annotated[Call, Depends(creating("sales"))]
) -> ReturnOut:
    return await call.run(usecases.request, data=body)


@router.get("", summary="List returns, newest first; the next page: before=<last id>")
async def list_returns(
    read: Reader,
    customer: ShortCode | None = None,
    state: ShortCode | None = None,
    reason: Reason | None = None,
    before: QueryId = None,
    limit: Limit = 100,
) -> list[ReturnOut]:
    return await read.run(
        queries.search, customer=customer, state=state, reason=reason, before=before, limit=limit
    )


@router.get(
    "/uncredited",
    summary="R26: defective and slow-moving goods per customer not yet credited, oldest "
    "first; the next page: after=<last return id>",
)
async def uncredited_goods(
    read: Reader,
    customer: ShortCode | None = None,
    reason: Reason | None = None,
    after: QueryId = None,
    limit: Limit = 100,
) -> list[UncreditedOut]:
    return await read.run(
        queries.uncredited, customer=customer, reason=reason, after=after, limit=limit
    )


@router.get("/{return_id}", summary="One return; its version is the ETag")
async def get_return(return_id: PathId, read: Reader) -> ReturnOut:
    return await read.run(queries.get, return_id=return_id, etag=True)


@router.get("/{return_id}/history", summary="Every transition of the return, from the journal")
async def return_history(return_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, return_id=return_id)


@router.post("/{return_id}/approve", summary="Approve with the approval report (批复报告, R25)")
async def approve_return(
    return_id: PathId, body: ApproveIn, call: Annotated[Call, trigger("return", "approve")]
) -> ReturnOut:
    return await call.run(usecases.approve, return_id=return_id, data=body)


@router.post("/{return_id}/reject", summary="Reject with a reason")
async def reject_return(
    return_id: PathId, body: ReasonIn, call: Annotated[Call, trigger("return", "reject")]
) -> ReturnOut:
    return await call.run(usecases.reject, return_id=return_id, data=body)


@router.post("/{return_id}/cancel", summary="Withdraw it before the goods are back")
async def cancel_return(
    return_id: PathId, body: CancelIn, call: Annotated[Call, trigger("return", "cancel")]
) -> ReturnOut:
    return await call.run(usecases.cancel, return_id=return_id, data=body)


@router.post(
    "/{return_id}/receipt",
    summary="Post the return receipt (退货入库单): quantities received back and the scan",
)
async def receive_return(
    return_id: PathId, body: ReturnReceiptIn, call: Annotated[Call, trigger("return", "receive")]
) -> ReturnOut:
    return await call.run(usecases.receive, return_id=return_id, data=body)


@router.post(
    "/{return_id}/consent",
    summary="File the customer's written consent to a deduction (确认函, R25)",
)
async def attach_consent(
    return_id: PathId, body: ConsentIn, call: Annotated[Call, trigger("return", "attach_consent")]
) -> ReturnOut:
    return await call.run(crediting.attach_consent, return_id=return_id, data=body)


@router.post(
    "/{return_id}/method",
    summary="Confirm the proposed credit method, or choose another accepted one with a reason",
)
async def choose_method(
    return_id: PathId, body: MethodIn, call: Annotated[Call, trigger("return", "choose_method")]
) -> ReturnOut:
    return await call.run(crediting.choose_method, return_id=return_id, data=body)


@router.post(
    "/{return_id}/customer-blue-invoice",
    summary="R24 (b): record the customer's blue invoice back; the return is credited",
)
async def record_blue_invoice(
    return_id: PathId, body: BlueInvoiceIn, call: Annotated[Call, trigger("return", "credit")]
) -> ReturnOut:
    return await call.run(crediting.record_blue_invoice, return_id=return_id, data=body)
