"""People working collection tasks: take, release, close, log a contact, record a promise."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from service.collection.models import CollectionContact, CollectionTask, PromiseToPay
from service.collection.queries import detail, load
from service.collection.schemas import CollectionTaskDetail, ContactIn, PromiseIn
from service.context import Context
from service.db import utcnow
from service.errors import Invalid
from service.schemas import Note
from workflows import Firing


def _settle(task: CollectionTask, firing: Firing, ctx: Context, note: str) -> None:
    """Who holds the task and when it closed follow from its new state's tags."""
    flow = ctx.workflows.flow(CollectionTask)
    if firing.dest == "closed":
        task.closed_at = utcnow()
        task.resolution = note
    elif flow.has_tag(firing.dest, "assigned"):
        if not flow.has_tag(firing.source, "assigned"):
            task.assignee = ctx.actor.username
    else:
        task.assignee = None


def move(
    session: Session, ctx: Context, *, task_id: int, trigger: str, note: Note = ""
) -> CollectionTaskDetail:
    """Fire `trigger` (take, release, close) on the task."""
    task = load(session, task_id)
    firing = ctx.fire(session, task, trigger, payload={"note": note} if note else {}, if_match=True)
    _settle(task, firing, ctx, note)
    session.flush()
    return detail(session, ctx, task)


def contact(
    session: Session, ctx: Context, *, task_id: int, data: ContactIn
) -> CollectionTaskDetail:
    """Log a call, visit, letter or e-mail on the task I hold (journalled on the task)."""
    task = load(session, task_id)
    day = data.day or ctx.today
    if day > ctx.today:
        raise Invalid("collection.contact_in_future", field="day", day=day, today=ctx.today)
    ctx = ctx.carried(session, data.day, field="day")
    ctx.fire(
        session,
        task,
        "log_contact",
        payload={"channel": data.channel, "notes": data.notes, "day": day},
        if_match=True,
    )
    session.add(
        CollectionContact(
            task_id=task.id,
            customer_id=task.customer_id,
            channel=data.channel,
            notes=data.notes,
            day=day,
            made_by=ctx.actor.username,
        )
    )
    session.flush()
    return detail(session, ctx, task)


def promise(
    session: Session, ctx: Context, *, task_id: int, data: PromiseIn
) -> CollectionTaskDetail:
    """Record the customer's promise to pay `amount` by `due_on`; the scheduler judges it after
    the grace the settings give."""
    task = load(session, task_id)
    if data.due_on < ctx.today:
        raise Invalid("collection.promise_in_past", field="due_on", due_on=data.due_on)
    grace = ctx.settings.collection_promise_grace_days
    ctx.fire(
        session,
        task,
        "promise",
        payload={"amount": data.amount, "due_on": data.due_on, "grace_days": grace},
        if_match=True,
    )
    session.add(
        PromiseToPay(
            task_id=task.id,
            customer_id=task.customer_id,
            amount=data.amount,
            made_on=ctx.today,
            due_on=data.due_on,
            grace_until=data.due_on + timedelta(days=grace),
            made_by=ctx.actor.username,
            outcome="open",
        )
    )
    session.flush()
    return detail(session, ctx, task)
