"""Collection tasks (R30-R31): the board, one task, its history; take, release, close; contacts
and promises to pay.

(No postponed annotations here: the routes made in `_move` name their trigger in theirs.)
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from service.collection import legal, queries, usecases
from service.collection.schemas import (
    CaseCloseIn,
    CaseDetail,
    CaseOut,
    CollectionTaskDetail,
    CollectionTaskOut,
    ContactIn,
    Due,
    HandoverIn,
    MoveIn,
    Priority,
    PromiseIn,
)
from service.http import Call, Limit, Offset, PathId, Read, Reader, reading
from service.http import trigger as trigger_access
from service.schemas import EventOut, ShortCode

router = APIRouter(prefix="/collection", tags=["collection"])


@router.get("/tasks", summary="The collection board: live tasks of my roles, most urgent first")
async def collection_board(
    read: Reader,
    due: Annotated[Due | None, Query(description="today: due today; overdue: past due")] = None,
    priority: Priority | None = None,
    customer_code: Annotated[ShortCode | None, Query()] = None,
    assignee: Annotated[Literal["me"] | None, Query(description="me: the ones I hold")] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[CollectionTaskOut]:
    return await read.run(
        queries.board,
        due=due,
        priority=priority,
        customer_code=customer_code,
        assignee=assignee,
        limit=limit,
        offset=offset,
    )


@router.get("/tasks/{task_id}", summary="One collection task with its contacts and promises")
async def get_collection_task(task_id: PathId, read: Reader) -> CollectionTaskDetail:
    return await read.run(queries.get, task_id=task_id, etag=True)


@router.get("/tasks/{task_id}/history", summary="Every transition of the task, from the journal")
async def collection_task_history(task_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, task_id=task_id)


def _move(trigger: str, summary: str) -> None:
    @router.post(f"/tasks/{{task_id}}/{trigger}", summary=summary, name=f"{trigger}_collection")
    async def move(
        task_id: PathId,
        call: Annotated[Call, trigger_access("collection_task", trigger)],
        body: MoveIn | None = None,
    ) -> CollectionTaskDetail:
        note = body.note if body else ""
        return await call.run(usecases.move, task_id=task_id, trigger=trigger, note=note)


_move("take", "Take a collection task of my role")
_move("release", "Give a collection task back")
_move("close", "Close my collection task with a note")


@router.post("/tasks/{task_id}/contacts", status_code=201, summary="Log a contact on my task")
async def log_contact(
    task_id: PathId,
    body: ContactIn,
    call: Annotated[Call, trigger_access("collection_task", "log_contact", status_code=201)],
) -> CollectionTaskDetail:
    return await call.run(usecases.contact, task_id=task_id, data=body)


@router.post("/tasks/{task_id}/promises", status_code=201, summary="Record a promise to pay")
async def record_promise(
    task_id: PathId,
    body: PromiseIn,
    call: Annotated[Call, trigger_access("collection_task", "promise", status_code=201)],
) -> CollectionTaskDetail:
    return await call.run(usecases.promise, task_id=task_id, data=body)


@router.post(
    "/customers/{code}/handover-to-legal",
    status_code=201,
    summary="Hand the customer to audit & legal (清欠户, R31): its case with the full history",
)
async def handover_to_legal(
    code: Annotated[ShortCode, Path()],
    body: HandoverIn,
    call: Annotated[Call, trigger_access("customer", "hand_over_to_legal", status_code=201)],
) -> CaseDetail:
    return await call.run(legal.hand_over, code=code, data=body)


LegalReader = Annotated[Read, Depends(reading("legal", "hq", "finance", "admin"))]


@router.get("/cases", summary="Legal's cases: the customers handed to audit & legal, newest first")
async def legal_cases(read: LegalReader, limit: Limit = 100, offset: Offset = 0) -> list[CaseOut]:
    return await read.run(legal.cases, limit=limit, offset=offset)


@router.get("/cases/{case_id}", summary="One case with the customer's full history")
async def legal_case(case_id: PathId, read: LegalReader) -> CaseDetail:
    return await read.run(legal.get, case_id=case_id)


@router.post(
    "/cases/{case_id}/close",
    summary="Legal closes the case: recovered (the customer back to suspended) or written off",
)
async def close_legal_case(
    case_id: PathId,
    body: CaseCloseIn,
    call: Annotated[Call, trigger_access("customer", "recover", "write_off")],
) -> CaseDetail:
    return await call.run(legal.close, case_id=case_id, data=body)
