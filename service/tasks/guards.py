"""Guards the task lifecycle names (workflows/definitions/task.yaml)."""

from __future__ import annotations

from dataclasses import dataclass

from service.auth.tokens import Actor
from service.tasks.models import Task


@dataclass(frozen=True)
class TaskContext:
    task: Task
    actor: Actor


def holds_owner_role(ctx: TaskContext) -> str | None:
    if ctx.task.owner_role in ctx.actor.roles or "admin" in ctx.actor.roles:
        return None
    return f"task {ctx.task.id} belongs to the {ctx.task.owner_role} role"


def is_assignee(ctx: TaskContext) -> str | None:
    if ctx.task.assignee == ctx.actor.username or "admin" in ctx.actor.roles:
        return None
    return f"task {ctx.task.id} was taken by {ctx.task.assignee}; only they can do that"


TASK_GUARDS = {"holds_owner_role": holds_owner_role, "is_assignee": is_assignee}
