"""Reading tasks: my queue (by my roles), one task, its history; one way to show a task."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import journal
from service.context import Context
from service.errors import Forbidden, Invalid, NotFound
from service.scheduler.models import Task
from service.schemas import EventOut
from service.tasks.schemas import TaskOut
from workflows import Flow


def load(session: Session, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("task.not_found", field="task_id", task_id=task_id)
    return task


def task_out(task: Task, flow: Flow) -> TaskOut:
    out = TaskOut.model_validate(task)
    return out.model_copy(update={"allowed_triggers": flow.allowed_triggers(task.state)})


def visible(task: Task, ctx: Context) -> Task:
    """A task is shown to people of its owner role (and the scheduler), as the queue is."""
    if task.owner_role not in ctx.actor.roles and "scheduler" not in ctx.actor.roles:
        raise Forbidden(
            "task.owned_by_other_role", field="task_id", task_id=task.id, owner_role=task.owner_role
        )
    return task


def get(session: Session, ctx: Context, *, task_id: int) -> TaskOut:
    return task_out(visible(load(session, task_id), ctx), ctx.workflows.flow(Task))


def queue(
    session: Session,
    ctx: Context,
    *,
    states: list[str] | None,
    kind: str | None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    limit: int,
    offset: int,
) -> list[TaskOut]:
    """Tasks owned by any of my roles, soonest due first; by default the live ones."""
    flow = ctx.workflows.flow(Task)
    for state in states or []:
        if state not in flow.states:
            raise Invalid(
                "task.unknown_state", field="state", state=state, states=list(flow.states)
            )
    stmt = (
        select(Task)
        .where(
            Task.owner_role.in_(sorted(ctx.actor.roles)),
            Task.state.in_(states or flow.tagged("live")),
        )
        .order_by(Task.due_at, Task.id)
        .limit(limit)
        .offset(offset)
    )
    if kind:
        stmt = stmt.where(Task.kind == kind)
    if subject_type:
        stmt = stmt.where(Task.subject_type == subject_type)
    if subject_id is not None:
        stmt = stmt.where(Task.subject_id == subject_id)
    return [task_out(t, flow) for t in session.scalars(stmt)]


def history(session: Session, ctx: Context, *, task_id: int) -> list[EventOut]:
    visible(load(session, task_id), ctx)
    return [EventOut.model_validate(e) for e in journal.history(session, "task", task_id)]
