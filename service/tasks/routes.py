"""My tasks (by role): list, take, release, close, cancel, and their history.

(No postponed annotations here: the routes made in `_move` name their trigger in theirs.)
"""

from typing import Annotated

from fastapi import APIRouter, Query

from service.http import Call, Limit, Offset, PathId, QueryId, Reader
from service.http import trigger as trigger_access
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


def _move(trigger: str, summary: str) -> None:
    """One route per trigger a person fires on a task (take, release, close, cancel)."""

    @router.post(f"/{{task_id}}/{trigger}", summary=summary, name=f"{trigger}_task")
    async def move(
        task_id: PathId,
        call: Annotated[Call, trigger_access("task", trigger)],
        body: TaskNote | None = None,
    ) -> TaskOut:
        return await call.run(
            usecases.move, task_id=task_id, trigger=trigger, data=body or TaskNote()
        )


_move("take", "Take a task of my role: it is mine until I close or release it")
_move("release", "Give a task back (the person who took it, or an admin)")
_move("close", "Close my task with a note of what was done")
_move("cancel", "Cancel a task that is no longer needed (its owner role, or the scheduler)")
