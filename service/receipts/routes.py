"""HTTP routes: logistics posts an order's signed receipt (R6); receipt exceptions (R8)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from service.http import Call, PathId, Reader, trigger
from service.receipts import posting, queries
from service.receipts.schemas import ReceiptCreate, ReceiptOut

router = APIRouter(tags=["receipts"])


@router.post(
    "/orders/{order_id}/receipt",
    status_code=201,
    summary="Logistics posts the signed receipt (签收入库回单, R6, R8)",
)
async def post_receipt(
    order_id: PathId,
    body: ReceiptCreate,
    call: Annotated[Call, trigger("order", "post_receipt", status_code=201)],
) -> ReceiptOut:
    return await call.run(posting.post, order_id=order_id, data=body)


@router.get("/orders/{order_id}/receipt", summary="The order's signed receipt")
async def get_receipt(order_id: PathId, read: Reader) -> ReceiptOut:
    return await read.run(queries.get, order_id=order_id)
