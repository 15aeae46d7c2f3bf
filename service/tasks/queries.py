"""Reading tasks: my queue (by my roles), one task, its history; one way to show a task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from service import journal
from service.context import Context
from service.db import utcnow
from service.errors import Forbidden, Invalid, NotFound
from service.scheduler.models import Task
from service.schemas import EventOut
from service.tasks.schemas import TaskOut
from workflows import Flow, GuardContext, WorkflowError


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


# --- the task board (pages) ----------------------------------------------------------------

SCOPES = ("role", "mine", "all")
"""Whose tasks the board shows: my roles' (the API's queue), the ones I took, or every task
(only for who may see every task: the scheduler)."""
ANY_STATE = "any"


@dataclass(frozen=True)
class BoardRow:
    """One task as the board lists it: what, about what, whose, due when, how old."""

    id: int
    kind: str
    subject_type: str
    subject_id: int
    detail: dict[str, Any]
    owner_role: str
    title: str
    state: str
    assignee: str | None
    due_at: datetime
    created_at: datetime
    overdue: bool
    age: timedelta
    may: tuple[str, ...]


@dataclass(frozen=True)
class Board:
    """A page of the board, where the next page starts (by id), and the count of each kind of
    task under the same filters (whatever kind is chosen)."""

    rows: list[BoardRow]
    following: int | None
    counts: dict[str, int]


def _sees_every_task(ctx: Context) -> bool:
    return "scheduler" in ctx.actor.roles


def _board_filters(
    ctx: Context, *, state: str | None, scope: str, overdue: bool, now: datetime
) -> list[ColumnElement[bool]]:
    """The board's conditions but the kind: what the person may see, whose, state, overdue."""
    flow = ctx.workflows.flow(Task)
    live = list(flow.tagged("live"))
    if state and state != ANY_STATE and state not in flow.states:
        raise Invalid("task.unknown_state", field="state", state=state, states=list(flow.states))
    if scope not in SCOPES:
        raise Invalid("task.unknown_scope", field="scope", scope=scope, scopes=list(SCOPES))
    if scope == "all" and not _sees_every_task(ctx):
        raise Forbidden("task.scope_all_refused", field="scope")
    where: list[ColumnElement[bool]] = []
    if scope == "role" or not _sees_every_task(ctx):
        # The same visibility as the API: tasks owned by one of my roles.
        where.append(Task.owner_role.in_(sorted(ctx.actor.roles)))
    if scope == "mine":
        where.append(Task.assignee == ctx.actor.username)
    if not state:
        where.append(Task.state.in_(live))
    elif state != ANY_STATE:
        where.append(Task.state == state)
    if overdue:
        where += [Task.due_at < now, Task.state.in_(live)]
    return where


def board(
    session: Session,
    ctx: Context,
    *,
    state: str | None = None,
    kind: str | None = None,
    scope: str = "role",
    overdue: bool = False,
    before: int | None = None,
    size: int = 50,
) -> Board:
    """The tasks a person may see, newest first, a page at a time by key (never OFFSET).

    `state`: empty for the live ones, `any`, or one state of the task lifecycle; `scope`: `role`
    (my roles' tasks), `mine` (taken by me) or `all` (who sees every task); `overdue`: live tasks
    past their due time."""
    now = utcnow()
    where = _board_filters(ctx, state=state, scope=scope, overdue=overdue, now=now)
    counted = select(Task.kind, func.count()).where(*where).group_by(Task.kind)
    counts = {k: int(n) for k, n in session.execute(counted).all()}
    stmt = select(Task).where(*where).order_by(Task.id.desc()).limit(size + 1)
    if kind:
        stmt = stmt.where(Task.kind == kind)
    if before is not None:
        stmt = stmt.where(Task.id < before)
    found = list(session.scalars(stmt))
    following = found[size - 1].id if len(found) > size else None
    live = ctx.workflows.flow(Task).tagged("live")
    rows = [
        BoardRow(
            id=t.id,
            kind=t.kind,
            subject_type=t.subject_type,
            subject_id=t.subject_id,
            detail=dict(t.detail or {}),
            owner_role=t.owner_role,
            title=t.title,
            state=t.state,
            assignee=t.assignee,
            due_at=t.due_at,
            created_at=t.created_at,
            overdue=t.state in live and t.due_at < now,
            age=now - t.created_at,
            may=tuple(may_fire(t, ctx)),
        )
        for t in found[:size]
    ]
    return Board(rows=rows, following=following, counts=dict(sorted(counts.items())))


def may_fire(task: Task, ctx: Context) -> list[str]:
    """The triggers this person may fire on the task now: its state allows them, their roles
    are among the trigger's and its guards let them through (the checks of firing it, without
    firing it), so a page offers only what the API would accept from them."""
    flow = ctx.workflows.flow(Task)
    context = GuardContext(document=task, actor=ctx.actor, today=ctx.today)
    allowed = []
    for trigger in flow.allowed_triggers(task.state):
        try:
            flow.fire(task.state, trigger, roles=ctx.actor.roles, context=context)
        except WorkflowError:
            continue
        allowed.append(trigger)
    return allowed


def page(session: Session, ctx: Context, *, task_id: int) -> tuple[TaskOut, list[str]]:
    """One task as its page shows it (refused as the API refuses it), and what this person may
    do with it."""
    task = visible(load(session, task_id), ctx)
    return task_out(task, ctx.workflows.flow(Task)), may_fire(task, ctx)
