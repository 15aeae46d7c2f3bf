"""People working their tasks: take, release, close with a note, cancel."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.context import Context
from service.scheduler.models import Task
from service.scheduler.tasks import settle
from service.tasks.queries import load, task_out
from service.tasks.schemas import TaskNote, TaskOut


def move(session: Session, ctx: Context, *, task_id: int, trigger: str, data: TaskNote) -> TaskOut:
    """Fire `trigger` on the task; who holds it and when it closed follow from the new state."""
    task = load(session, task_id)
    firing = ctx.fire(
        session, task, trigger, payload={"note": data.note} if data.note else {}, if_match=True
    )
    flow = ctx.workflows.flow(Task)
    settle(task, firing, actor=ctx.actor.username, note=data.note, flow=flow)
    session.flush()
    return task_out(task, flow)
