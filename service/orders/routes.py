"""HTTP routes for orders: create from a PO, approve, end a credit hold, cancel; read, history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service.http import Call, Limit, Offset, PathId, Reader, creating, trigger
from service.orders import approval, holds, queries, usecases
from service.orders.schemas import (
    ApprovalOut,
    CreditHoldOut,
    CreditHoldsRelease,
    CreditHoldsReleased,
    CreditReason,
    OrderApproval,
    OrderCancel,
    OrderCreate,
    OrderOut,
)
from service.schemas import EventOut

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", status_code=201, summary="Create an order from a customer PO (R1-R3)")
async def create_order(
    body: OrderCreate, call: Annotated[Call, Depends(creating("sales", "hq"))]
) -> OrderOut:
    return await call.run(usecases.create, data=body)


@router.get("", summary="List orders, newest first")
async def list_orders(
    read: Reader,
    state: str | None = None,
    customer_code: str | None = None,
    customer_po_no: str | None = None,
    company_order_no: str | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[OrderOut]:
    return await read.run(
        queries.search,
        state=state,
        customer_code=customer_code,
        customer_po_no=customer_po_no,
        company_order_no=company_order_no,
        limit=limit,
        offset=offset,
    )


@router.get("/credit-holds", summary="The orders on credit hold, oldest first")
async def credit_holds(read: Reader, limit: Limit = 500) -> list[CreditHoldOut]:
    return await read.run(holds.on_hold, limit=limit)


@router.post(
    "/credit-holds/release",
    summary="Finance releases a selection of held orders with one reason, all or none; each gets "
    "its company order number (R4)",
)
async def release_credit_holds(
    body: CreditHoldsRelease,
    call: Annotated[Call, trigger("order", "release_credit", versioned=False)],
) -> CreditHoldsReleased:
    return await call.run(holds.release, data=body)


@router.get("/{order_id}", summary="One order; its version is the ETag")
async def get_order(order_id: PathId, read: Reader) -> OrderOut:
    return await read.run(queries.get, order_id=order_id, etag=True)


@router.post(
    "/{order_id}/approve",
    summary="HQ approves: the credit_release rules decide first; approved with the company order "
    "number (R4), or on credit hold for finance",
)
async def approve_order(
    order_id: PathId,
    call: Annotated[Call, trigger("order", "approve")],
    body: OrderApproval | None = None,
) -> ApprovalOut:
    return await call.run(approval.approve, order_id=order_id, data=body)


@router.post(
    "/{order_id}/release-credit",
    summary="Finance releases a held order, with a reason; it gets its company order number (R4)",
)
async def release_credit(
    order_id: PathId, body: CreditReason, call: Annotated[Call, trigger("order", "release_credit")]
) -> OrderOut:
    return await call.run(approval.release_credit, order_id=order_id, data=body)


@router.post(
    "/{order_id}/reject-credit", summary="Finance refuses credit for a held order, with a reason"
)
async def reject_credit(
    order_id: PathId, body: CreditReason, call: Annotated[Call, trigger("order", "reject_credit")]
) -> OrderOut:
    return await call.run(approval.reject_credit, order_id=order_id, data=body)


@router.post("/{order_id}/cancel", summary="Cancel before shipment, with a reason")
async def cancel_order(
    order_id: PathId, body: OrderCancel, call: Annotated[Call, trigger("order", "cancel")]
) -> OrderOut:
    return await call.run(usecases.cancel, order_id=order_id, data=body)


@router.get("/{order_id}/history", summary="Every transition of the order, from the journal")
async def order_history(order_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, order_id=order_id)
