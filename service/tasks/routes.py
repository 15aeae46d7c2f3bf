"""My tasks (by role): list, take, release, close, cancel, and their history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.http import Call, Limit, Offset, PathId, QueryId, Reader, trigger
from service.schemas import EventOut
from service.tasks import queries, usecases
from service.tasks.schemas import TaskNote, TaskOut

router = APIRouter(prefix="/tasks", tags=["tasks"])


@router.get("", summary="My tasks: those owned by my roles, soonest due first")
async def my_tasks(
    read: Reader,
    state: Annotated[list[str] | None, Query(description="default: the live ones")] = None,
    kind: str | None = None,
    subject_type: str | None = None,
    subject_id: QueryId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[TaskOut]:
    return await read.run(
        queries.queue,
        states=state,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        limit=limit,
        offset=offset,
    )


@router.get("/{task_id}", summary="One task; its version is the ETag")
async def get_task(task_id: PathId, read: Reader) -> TaskOut:
    return await read.run(queries.get, task_id=task_id, etag=True)


@router.get("/{task_id}/history", summary="Every transition of the task, from the journal")
async def task_history(task_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, task_id=task_id)


@router.post("/{task_id}/{trigger}", summary="take, release, close (with a note) or cancel a task")
async def move_task(
    task_id: PathId,
    trigger: Literal["take", "release", "close", "cancel"],
    call: Annotated[Call, trigger("task", "take", "release", "close", "cancel")],
    body: TaskNote | None = None,
) -> TaskOut:
    return await call.run(usecases.move, task_id=task_id, trigger=trigger, data=body or TaskNote())
