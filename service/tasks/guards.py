"""Guards the task lifecycle names (workflows/definitions/task.yaml)."""

from __future__ import annotations

from service.scheduler.models import Task
from workflows import GuardContext, Refusal


def holds_owner_role(ctx: GuardContext) -> Refusal | None:
    task: Task = ctx.document
    if task.owner_role in ctx.actor.roles or "admin" in ctx.actor.roles:
        return None
    return Refusal.of("task.owned_by_other_role", task_id=task.id, owner_role=task.owner_role)


def is_assignee(ctx: GuardContext) -> Refusal | None:
    task: Task = ctx.document
    if task.assignee == ctx.actor.username or "admin" in ctx.actor.roles:
        return None
    return Refusal.of("task.taken_by_other", task_id=task.id, assignee=task.assignee or "-")


TASK_GUARDS = {"holds_owner_role": holds_owner_role, "is_assignee": is_assignee}
