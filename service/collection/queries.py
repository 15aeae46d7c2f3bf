"""Reading collection tasks: the board (mine by role; due today, overdue, by priority, customer,
assignee), one task with its contacts and promises, its history from the journal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service import journal
from service.collection.models import CollectionContact, CollectionTask, PromiseToPay
from service.collection.schemas import (
    CollectionTaskDetail,
    CollectionTaskOut,
    ContactOut,
    PromiseOut,
)
from service.context import Context
from service.errors import Forbidden, NotFound
from service.masterdata.models import Customer
from service.schemas import EventOut

PRIORITY_ORDER = case(
    (CollectionTask.priority == "high", 0), (CollectionTask.priority == "normal", 1), else_=2
)


def sees_all(ctx: Context) -> bool:
    return bool({"admin", "scheduler"} & ctx.actor.roles)


def task_out(task: CollectionTask, customer: Customer, ctx: Context) -> CollectionTaskOut:
    out = CollectionTaskOut.model_validate(
        {
            **{c: getattr(task, c) for c in CollectionTaskOut.model_fields if hasattr(task, c)},
            "customer_code": customer.code,
            "customer_name": customer.name,
        }
    )
    flow = ctx.workflows.flow(CollectionTask)
    return out.model_copy(update={"allowed_triggers": flow.allowed_triggers(task.state)})


def load(session: Session, task_id: int) -> CollectionTask:
    task = session.get(CollectionTask, task_id)
    if task is None:
        raise NotFound("collection.task_not_found", field="task_id", task_id=task_id)
    return task


def visible(task: CollectionTask, ctx: Context) -> CollectionTask:
    """A collection task is shown to the people of its owner role (and admins)."""
    if task.owner_role not in ctx.actor.roles and not sees_all(ctx):
        raise Forbidden(
            "collection.owned_by_other_role",
            field="task_id",
            task_id=task.id,
            owner_role=task.owner_role,
        )
    return task


def board_query(
    ctx: Context,
    *,
    due: str | None,
    priority: str | None,
    customer_code: str | None,
    mine: bool,
    states: tuple[str, ...],
) -> Select[CollectionTask, Customer]:
    query = (
        select(CollectionTask, Customer)
        .join(Customer, Customer.id == CollectionTask.customer_id)
        .where(CollectionTask.state.in_(states))
    )
    if not sees_all(ctx):
        query = query.where(CollectionTask.owner_role.in_(sorted(ctx.actor.roles)))
    if due == "today":
        query = query.where(CollectionTask.due_on == ctx.today)
    elif due == "overdue":
        query = query.where(CollectionTask.due_on < ctx.today)
    if priority:
        query = query.where(CollectionTask.priority == priority)
    if customer_code:
        query = query.where(Customer.code == customer_code)
    if mine:
        query = query.where(CollectionTask.assignee == ctx.actor.username)
    return query.order_by(PRIORITY_ORDER, CollectionTask.due_on, CollectionTask.id)


def board(
    session: Session,
    ctx: Context,
    *,
    due: str | None = None,
    priority: str | None = None,
    customer_code: str | None = None,
    assignee: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CollectionTaskOut]:
    """The live collection tasks of my roles, most urgent first."""
    states = ctx.workflows.tagged(CollectionTask, "live")
    query = board_query(
        ctx,
        due=due,
        priority=priority,
        customer_code=customer_code,
        mine=assignee == "me",
        states=states,
    )
    rows = session.execute(query.limit(limit).offset(offset)).all()
    return [task_out(task, customer, ctx) for task, customer in rows]


def detail(session: Session, ctx: Context, task: CollectionTask) -> CollectionTaskDetail:
    customer = session.get_one(Customer, task.customer_id)
    contacts = session.scalars(
        select(CollectionContact)
        .where(CollectionContact.task_id == task.id)
        .order_by(CollectionContact.id)
    ).all()
    promises = session.scalars(
        select(PromiseToPay).where(PromiseToPay.task_id == task.id).order_by(PromiseToPay.id)
    ).all()
    base = task_out(task, customer, ctx)
    return CollectionTaskDetail.model_validate(
        {
            **base.model_dump(),
            "contacts": [ContactOut.model_validate(c) for c in contacts],
            "promises": [PromiseOut.model_validate(p) for p in promises],
        }
    )


def get(session: Session, ctx: Context, *, task_id: int) -> CollectionTaskDetail:
    return detail(session, ctx, visible(load(session, task_id), ctx))


def history(session: Session, ctx: Context, *, task_id: int) -> list[EventOut]:
    visible(load(session, task_id), ctx)
    events = journal.history(session, "collection_task", task_id)
    return [EventOut.model_validate(e) for e in events]


def broken_promises(
    session: Session, today: date, ids: Sequence[int] | None
) -> dict[int, dict[str, Any]]:
    """Per customer (of `ids`, or all), the promises to pay made in the last year that the
    collection job judged broken: one figure of the customer's payment record (R32)."""
    query = (
        select(PromiseToPay.customer_id, func.count())
        .where(
            PromiseToPay.outcome == "broken",
            PromiseToPay.made_on >= today - timedelta(days=365),
        )
        .group_by(PromiseToPay.customer_id)
    )
    if ids is not None:
        query = query.where(PromiseToPay.customer_id.in_(ids))
    return {customer: {"broken_promises": int(n)} for customer, n in session.execute(query)}
