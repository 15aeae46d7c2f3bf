"""Finance ends many credit holds at once: the orders on hold, and their release with one reason.

A release of a selection is all or nothing: every order must exist, be on credit hold, be at the
version finance saw (when given) and pass the release's guards; the first that does not refuses
the whole selection, named by its place in it (`order_ids[3]`), and nothing changes. Each order
released gets its own company order number (R4) and its own journal row with the one reason.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.context import Context
from service.errors import Conflict, DomainError, FieldError, Invalid, NotFound, from_workflow
from service.orders.approval import fire_numbered
from service.orders.models import Order
from service.orders.schemas import (
    CreditHoldOut,
    CreditHoldsRelease,
    CreditHoldsReleased,
    ReleasedOrderOut,
)
from workflows import WorkflowError

RELEASE = "release_credit"


def on_hold(session: Session, ctx: Context, *, limit: int = 500) -> list[CreditHoldOut]:
    """The orders on credit hold, oldest first, with what finance decides on."""
    orders = session.scalars(
        select(Order)
        .where(Order.state == "on_credit_hold")
        .options(joinedload(Order.customer), selectinload(Order.lines))
        .order_by(Order.id)
        .limit(limit)
    )
    return [
        CreditHoldOut(
            id=o.id,
            version=o.version,
            customer_code=o.customer.code,
            customer_name=o.customer.name,
            customer_po_no=o.customer_po_no,
            order_date=o.order_date,
            total_amount=o.total_amount,
            credit_limit=o.customer.credit_limit,
        )
        for o in orders
    ]


def release(session: Session, ctx: Context, *, data: CreditHoldsRelease) -> CreditHoldsReleased:
    """Release every order of the selection with the one reason, or none of them."""
    _distinct(data.order_ids)
    if data.versions is not None and len(data.versions) != len(data.order_ids):
        raise Invalid(
            "order.versions_not_matching",
            field="versions",
            versions=len(data.versions),
            orders=len(data.order_ids),
        )
    found = {
        o.id: o
        for o in session.scalars(
            select(Order)
            .where(Order.id.in_(data.order_ids))
            .options(joinedload(Order.customer), joinedload(Order.contract))
            .with_for_update(of=Order)
        ).unique()
    }
    released = []
    for index, order_id in enumerate(data.order_ids):
        field = f"order_ids[{index}]"
        order = found.get(order_id)
        if order is None:
            raise NotFound("order.not_found", field=field, order_id=order_id)
        seen = data.versions[index] if data.versions is not None else None
        _releasable(order, seen, field)
        try:
            fire_numbered(session, ctx, order, RELEASE, payload={"reason": data.reason})
        except WorkflowError as error:
            raise _named(from_workflow(error), field, order_id) from None
        except DomainError as error:
            raise _named(error, field, order_id) from None
        released.append(ReleasedOrderOut.model_validate(order, from_attributes=True))
    return CreditHoldsReleased(released=len(released), orders=released)


def _distinct(order_ids: list[int]) -> None:
    seen: set[int] = set()
    for index, order_id in enumerate(order_ids):
        if order_id in seen:
            raise Invalid("order.selected_twice", field=f"order_ids[{index}]", order_id=order_id)
        seen.add(order_id)


def _releasable(order: Order, seen: int | None, field: str) -> None:
    if order.state != "on_credit_hold":
        raise Conflict(
            "order.not_on_credit_hold", field=field, order_id=order.id, state=order.state
        )
    if seen is not None and seen != order.version:
        raise Conflict(
            "order.changed_meanwhile",
            field=field,
            order_id=order.id,
            current_version=order.version,
            sent_version=seen,
        )


def _named(error: DomainError, field: str, order_id: int) -> DomainError:
    """The refusal of one order of the selection, named by its place in it."""
    error.errors = [FieldError(field, error.code, error.params)]
    error.params = {**error.params, "order_id": order_id}
    return error
