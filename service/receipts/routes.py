"""HTTP routes: logistics posts an order's signed receipt (R6); receipt exceptions (R8)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.http import Change, Ctx, CurrentActor
from service.masterdata import queries
from service.receipts import posting
from service.receipts import usecases as receipts
from service.receipts.schemas import ReceiptCreate, ReceiptExceptionOut, ReceiptOut

router = APIRouter(tags=["receipts"])


@router.get(
    "/receipt-exceptions",
    response_model=list[ReceiptExceptionOut],
    summary="Shortages and substitutions found at receipt",
)
def list_receipt_exceptions(
    ctx: Ctx,
    _actor: CurrentActor,
    state: Literal["open", "resolved"] | None = "open",
    kind: Literal["shortage", "substitution"] | None = None,
    customer_code: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[ReceiptExceptionOut]:
    with ctx.db.read() as session:
        customer_id = queries.customer_by_code(session, customer_code).id if customer_code else None
        return receipts.list_exceptions(
            session, state=state, customer_id=customer_id, kind=kind, limit=limit, offset=offset
        )


@router.post(
    "/orders/{order_id}/receipt",
    status_code=201,
    response_model=ReceiptOut,
    tags=["receipts"],
    summary="Logistics posts the signed receipt (签收入库回单, R6, R8)",
)
def post_receipt(order_id: int, body: ReceiptCreate, call: Change) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        receipt = posting.post(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            data=body,
            today=ctx.today(),
            expected_version=call.version,
        )
        return receipt.model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.get("/orders/{order_id}/receipt", response_model=ReceiptOut, tags=["receipts"])
def get_receipt(order_id: int, ctx: Ctx, _actor: CurrentActor) -> ReceiptOut:
    with ctx.db.read() as session:
        return receipts.to_out(receipts.load(session, order_id))
