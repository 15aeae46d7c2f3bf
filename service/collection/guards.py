"""Guards the collection task lifecycle names (workflows/definitions/collection_task.yaml)."""

from __future__ import annotations

from service.collection.models import CollectionTask
from workflows import GuardContext, Refusal


def holds_owner_role(ctx: GuardContext) -> Refusal | None:
    """A collection task is worked by people of its owner role (R31's step it is on)."""
    task: CollectionTask = ctx.document
    if task.owner_role in ctx.actor.roles or "admin" in ctx.actor.roles:
        return None
    return Refusal.of("collection.owned_by_other_role", task_id=task.id, owner_role=task.owner_role)


def is_assignee(ctx: GuardContext) -> Refusal | None:
    """Only the person who took it works it."""
    task: CollectionTask = ctx.document
    if task.assignee == ctx.actor.username:
        return None
    return Refusal.of("collection.taken_by_other", task_id=task.id, assignee=task.assignee or "-")


def is_assignee_or_admin(ctx: GuardContext) -> Refusal | None:
    if "admin" in ctx.actor.roles:
        return None
    return is_assignee(ctx)


GUARDS = {
    "holds_owner_role": holds_owner_role,
    "is_assignee": is_assignee,
    "is_assignee_or_admin": is_assignee_or_admin,
}
