"""My tasks (by role): list, take, release, close, cancel, and their history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service import journal
from service.http import Change, Ctx, CurrentActor
from service.schemas import EventOut
from service.tasks import usecases
from service.tasks.schemas import TaskNote, TaskOut

router = APIRouter(prefix="/tasks", tags=["tasks"])
State = Literal["open", "in_progress", "done", "cancelled"]


@router.get("", response_model=list[TaskOut], summary="My tasks: those owned by my roles")
def my_tasks(
    ctx: Ctx,
    actor: CurrentActor,
    state: Annotated[list[State] | None, Query(description="default: open and in_progress")] = None,
    kind: str | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TaskOut]:
    with ctx.db.read() as session:
        tasks = usecases.queue(
            session,
            roles=sorted(actor.roles),
            states=state or ["open", "in_progress"],
            kind=kind,
            subject_type=subject_type,
            subject_id=subject_id,
            limit=limit,
            offset=offset,
        )
        return [TaskOut.model_validate(t) for t in tasks]


@router.get("/{task_id}", response_model=TaskOut)
def get_task(task_id: int, ctx: Ctx, _actor: CurrentActor) -> JSONResponse:
    with ctx.db.read() as session:
        task = TaskOut.model_validate(usecases.load(session, task_id))
    return JSONResponse(task.model_dump(mode="json"), headers={"ETag": f'"{task.version}"'})


@router.get("/{task_id}/history", response_model=list[EventOut])
def task_history(task_id: int, ctx: Ctx, _actor: CurrentActor) -> list[EventOut]:
    with ctx.db.read() as session:
        usecases.load(session, task_id)
        return [EventOut.model_validate(e) for e in journal.history(session, "task", task_id)]


@router.post(
    "/{task_id}/{trigger}",
    response_model=TaskOut,
    summary="take, release, close (with a note) or cancel a task",
)
def move_task(
    task_id: int,
    trigger: Literal["take", "release", "close", "cancel"],
    call: Change,
    body: TaskNote | None = None,
) -> JSONResponse:
    note = body.note if body else ""

    def work(session: Session) -> object:
        task = usecases.fire(
            session,
            actor=call.actor,
            workflows=call.ctx.workflows,
            task=usecases.load(session, task_id),
            trigger=trigger,
            note=note,
            expected_version=call.version,
        )
        return TaskOut.model_validate(task).model_dump(mode="json")

    return call.respond(work, body={"note": note})
