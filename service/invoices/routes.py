"""HTTP routes for invoices: make, issue, send, sign, discard, read, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service.http import Call, Limit, Offset, PathId, QueryId, Reader, creating, trigger
from service.invoices import corrections, followups, queries, usecases
from service.invoices.schemas import (
    AbandonReissue,
    FollowUpCreate,
    InvoiceCreate,
    InvoiceIssue,
    InvoiceOut,
    InvoiceSend,
    InvoiceSign,
)
from service.schemas import EventOut

router = APIRouter(prefix="/invoices", tags=["invoices"])
# Beside /invoices, not under it: /invoices/{invoice_id} would claim the literal path too.
follow_ups = APIRouter()


@router.post(
    "",
    status_code=201,
    summary="Make the invoice of a receipted order from what was received (R9-R12)",
)
async def create_invoice(
    body: InvoiceCreate, call: Annotated[Call, Depends(creating("finance"))]
) -> InvoiceOut:
    return await call.run(usecases.create, data=body)


@router.get("", summary="List invoices, newest first")
async def list_invoices(
    read: Reader,
    state: str | None = None,
    customer_code: str | None = None,
    order_id: QueryId = None,
    kind: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[InvoiceOut]:
    return await read.run(
        queries.search,
        state=state,
        customer_code=customer_code,
        order_id=order_id,
        kind=kind,
        limit=limit,
        offset=offset,
    )


@router.get("/{invoice_id}", summary="One invoice; its version is the ETag")
async def get_invoice(invoice_id: PathId, read: Reader) -> InvoiceOut:
    return await read.run(queries.get, invoice_id=invoice_id, etag=True)


@router.get("/{invoice_id}/history", summary="Every transition of the invoice, from the journal")
async def invoice_history(invoice_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, invoice_id=invoice_id)


@router.post(
    "/{invoice_id}/issue", summary="Record the fapiao number and date the tax system issued"
)
async def issue_invoice(
    invoice_id: PathId, body: InvoiceIssue, call: Annotated[Call, trigger("invoice", "issue")]
) -> InvoiceOut:
    return await call.run(usecases.issue, invoice_id=invoice_id, data=body)


@router.post(
    "/{invoice_id}/send", summary="Record sending to the branch or the settlement centre (R13)"
)
async def send_invoice(
    invoice_id: PathId, body: InvoiceSend, call: Annotated[Call, trigger("invoice", "send")]
) -> InvoiceOut:
    return await call.run(usecases.send, invoice_id=invoice_id, data=body)


@router.post("/{invoice_id}/sign", summary="Record the customer's signature and its date")
async def sign_invoice(
    invoice_id: PathId, body: InvoiceSign, call: Annotated[Call, trigger("invoice", "sign")]
) -> InvoiceOut:
    return await call.run(usecases.sign, invoice_id=invoice_id, data=body)


@router.post(
    "/{invoice_id}/discard",
    summary="Throw away a draft; owed quantities wait for the next invoice again",
)
async def discard_invoice(
    invoice_id: PathId, call: Annotated[Call, trigger("invoice", "discard")]
) -> InvoiceOut:
    return await call.run(usecases.discard, invoice_id=invoice_id)


@router.post(
    "/{invoice_id}/abandon-reissue",
    summary="Give up a reissue before its red invoice is issued: its corrected draft is "
    "discarded and its red-letter forms revoked; the original stands",
)
async def abandon_reissue(
    invoice_id: PathId,
    body: AbandonReissue,
    call: Annotated[Call, trigger("invoice", "discard")],
) -> InvoiceOut:
    return await call.run(corrections.abandon, invoice_id=invoice_id, data=body)


@follow_ups.post(
    "/follow-up-invoices",
    tags=["invoices"],
    status_code=201,
    summary="Invoice a re-delivered shortage on its own, from its follow-up receipt (R8)",
)
async def create_follow_up_invoice(
    body: FollowUpCreate, call: Annotated[Call, Depends(creating("finance"))]
) -> InvoiceOut:
    return await call.run(followups.create, data=body)
