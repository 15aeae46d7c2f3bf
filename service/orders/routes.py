"""HTTP routes for orders, their shipment, their signed receipt and their history."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service import journal
from service.http import Call, Change, Ctx, CurrentActor, creating
from service.masterdata import queries
from service.orders import approval, usecases
from service.orders.models import Order, OrderLine
from service.orders.schemas import ApprovalOut, CreditReason, OrderCancel, OrderCreate, OrderOut
from service.schemas import EventOut

router = APIRouter(prefix="/orders", tags=["orders"])


@router.post("", status_code=201, response_model=OrderOut, summary="Create an order from a PO")
def create_order(
    body: OrderCreate, call: Annotated[Call, Depends(creating("sales", "hq"))]
) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        order = usecases.create(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            data=body,
            today=ctx.today(),
            max_lines=ctx.settings.order_max_lines,
        )
        return usecases.to_out(order, ctx.workflows).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"), status_code=201)


@router.get("", response_model=list[OrderOut], summary="List orders")
def list_orders(
    ctx: Ctx,
    _actor: CurrentActor,
    state: str | None = None,
    customer_code: str | None = None,
    customer_po_no: str | None = None,
    company_order_no: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[OrderOut]:
    with ctx.db.read() as session:
        stmt = (
            select(Order)
            .options(
                joinedload(Order.customer),
                joinedload(Order.warehouse),
                joinedload(Order.contract),
                selectinload(Order.lines).joinedload(OrderLine.item),
            )
            .order_by(Order.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if state:
            stmt = stmt.where(Order.state == state)
        if customer_code:
            customer = queries.customer_by_code(session, customer_code)
            stmt = stmt.where(Order.customer_id == customer.id)
        if customer_po_no:
            stmt = stmt.where(Order.customer_po_no == customer_po_no)
        if company_order_no:
            stmt = stmt.where(Order.company_order_no == company_order_no)
        return [usecases.to_out(o, ctx.workflows) for o in session.scalars(stmt)]


@router.get("/{order_id}", response_model=OrderOut, summary="One order")
def get_order(order_id: int, ctx: Ctx, _actor: CurrentActor) -> JSONResponse:
    with ctx.db.read() as session:
        order = usecases.to_out(usecases.load(session, order_id), ctx.workflows)
    return JSONResponse(order.model_dump(mode="json"), headers={"ETag": f'"{order.version}"'})


@router.post(
    "/{order_id}/approve",
    response_model=ApprovalOut,
    summary="HQ approves: the credit_release rules decide first; approved with the company order "
    "number (R4), or on credit hold for finance",
)
def approve_order(order_id: int, call: Change) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        approved = approval.approve(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            today=ctx.today(),
            expected_version=call.version,
            rules=ctx.rules,
        )
        return approval.approval_out(approved, ctx.workflows).model_dump(mode="json")

    return call.respond(work)


def _end_credit_hold(
    order_id: int, body: CreditReason, call: Change, *, release: bool
) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        order = approval.end_credit_hold(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            release=release,
            reason=body.reason,
            today=ctx.today(),
            expected_version=call.version,
        )
        return usecases.to_out(order, ctx.workflows).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"))


@router.post(
    "/{order_id}/release-credit",
    response_model=OrderOut,
    summary="Finance releases a held order, with a reason; it gets its company order number (R4)",
)
def release_credit(order_id: int, body: CreditReason, call: Change) -> JSONResponse:
    return _end_credit_hold(order_id, body, call, release=True)


@router.post(
    "/{order_id}/reject-credit",
    response_model=OrderOut,
    summary="Finance refuses credit for a held order, with a reason",
)
def reject_credit(order_id: int, body: CreditReason, call: Change) -> JSONResponse:
    return _end_credit_hold(order_id, body, call, release=False)


@router.post("/{order_id}/cancel", response_model=OrderOut, summary="Cancel before shipment")
def cancel_order(order_id: int, body: OrderCancel, call: Change) -> JSONResponse:
    ctx = call.ctx

    def work(session: Session) -> object:
        order = usecases.cancel(
            session,
            actor=call.actor,
            workflows=ctx.workflows,
            order_id=order_id,
            reason=body.reason,
            today=ctx.today(),
            expected_version=call.version,
        )
        return usecases.to_out(order, ctx.workflows).model_dump(mode="json")

    return call.respond(work, body=body.model_dump(mode="json"))


@router.get(
    "/{order_id}/history",
    response_model=list[EventOut],
    summary="Every transition of the order, from the event journal",
)
def order_history(order_id: int, ctx: Ctx, _actor: CurrentActor) -> list[EventOut]:
    with ctx.db.read() as session:
        usecases.load(session, order_id)
        return [EventOut.model_validate(e) for e in journal.history(session, "order", order_id)]
