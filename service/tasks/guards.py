"""Guards the task lifecycle names (workflows/definitions/task.yaml)."""

from __future__ import annotations

from service.scheduler.models import Task
from workflows import GuardContext, Refusal


def holds_owner_role(ctx: GuardContext) -> Refusal | None:
    """A task is worked by people of its owner role; the scheduler acts for them."""
    task: Task = ctx.document
    if task.owner_role in ctx.actor.roles or "scheduler" in ctx.actor.roles:
        return None
    return Refusal.of("task.owned_by_other_role", task_id=task.id, owner_role=task.owner_role)


def is_assignee(ctx: GuardContext) -> Refusal | None:
    """Only the person who took a task says it is done."""
    task: Task = ctx.document
    if task.assignee == ctx.actor.username:
        return None
    return Refusal.of("task.taken_by_other", task_id=task.id, assignee=task.assignee or "-")


def is_assignee_or_admin(ctx: GuardContext) -> Refusal | None:
    """The person who took it gives it back, or an admin frees it (its assignee is away)."""
    if "admin" in ctx.actor.roles:
        return None
    return is_assignee(ctx)


TASK_GUARDS = {
    "holds_owner_role": holds_owner_role,
    "is_assignee": is_assignee,
    "is_assignee_or_admin": is_assignee_or_admin,
}
