"""HTTP routes: reconciliation statements (R20-R22), statement adjustments and disputed lines."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path

from service.http import Call, Limit, Offset, PathId, Reader, creating, trigger
from service.schemas import Code, Day, EventOut
from service.statements import queries, usecases
from service.statements.schemas import (
    AdjustmentIn,
    AdjustmentKind,
    AdjustmentOut,
    CancelIn,
    ConfirmIn,
    DecideIn,
    DisputeIn,
    DisputeOut,
    RedraftIn,
    SendIn,
    StatementIn,
    StatementOut,
    StatementState,
    StatementSummary,
    VersionOut,
)

router = APIRouter(tags=["statements"])
StatementNo = Annotated[str, Path(min_length=1, max_length=32, description="e.g. DZ2026000001")]
VersionNo = Annotated[int, Path(ge=1, le=10_000, description="the version's number")]
DisputeState = Literal["open", "accepted", "rejected"]
AdjustmentState = Literal["open", "cancelled"]


@router.get("/statements", summary="Statements, latest settlement date first (filters, paged)")
async def list_statements(
    read: Reader,
    customer_code: Code | None = None,
    state: StatementState | None = None,
    settled_from: Day | None = None,
    settled_to: Day | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[StatementSummary]:
    return await read.run(
        queries.search,
        customer_code=customer_code,
        state=state,
        settled_from=settled_from,
        settled_to=settled_to,
        limit=limit,
        offset=offset,
    )


@router.post("/statements", status_code=201, summary="Draft a statement the customer asks for")
async def draft_statement(
    body: StatementIn, call: Annotated[Call, Depends(creating("sales", "finance"))]
) -> StatementOut:
    return await call.run(usecases.draft_requested, data=body)


@router.get(
    "/statements/{statement_no}",
    summary="A statement: its current version's lines grouped with totals, versions, triggers",
)
async def get_statement(statement_no: StatementNo, read: Reader) -> StatementOut:
    return await read.run(queries.get, statement_no=statement_no, etag=True)


@router.get("/statements/{statement_no}/versions/{number}", summary="A kept version of it")
async def get_statement_version(
    statement_no: StatementNo, number: VersionNo, read: Reader
) -> VersionOut:
    return await read.run(queries.get_version, statement_no=statement_no, number=number)


@router.get("/statements/{statement_no}/history", summary="Every step of the statement")
async def statement_history(statement_no: StatementNo, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, statement_no=statement_no)


@router.post("/statements/{statement_no}/send", summary="Sent to the customer")
async def send_statement(
    statement_no: StatementNo,
    body: SendIn,
    call: Annotated[Call, trigger("statement", "send")],
) -> StatementOut:
    return await call.run(usecases.send, statement_no=statement_no, data=body)


@router.post(
    "/statements/{statement_no}/confirm", summary="The customer's confirmation, both sides (R22)"
)
async def confirm_statement(
    statement_no: StatementNo,
    body: ConfirmIn,
    call: Annotated[Call, trigger("statement", "confirm")],
) -> StatementOut:
    return await call.run(usecases.confirm, statement_no=statement_no, data=body)


@router.post(
    "/statements/{statement_no}/dispute",
    summary="The customer disputes lines: one dispute per line in finance's queue",
)
async def dispute_statement(
    statement_no: StatementNo,
    body: DisputeIn,
    call: Annotated[Call, trigger("statement", "dispute")],
) -> StatementOut:
    return await call.run(usecases.dispute, statement_no=statement_no, data=body)


@router.post("/statements/{statement_no}/redraft", summary="A new version from the current data")
async def redraft_statement(
    statement_no: StatementNo,
    body: RedraftIn,
    call: Annotated[Call, trigger("statement", "redraft")],
) -> StatementOut:
    return await call.run(usecases.redraft, statement_no=statement_no, data=body)


@router.get("/statement-disputes", summary="Disputed statement lines (open ones by default)")
async def list_statement_disputes(
    read: Reader, state: DisputeState | None = "open", limit: Limit = 100, offset: Offset = 0
) -> list[DisputeOut]:
    return await read.run(queries.search_disputes, state=state, limit=limit, offset=offset)


@router.get("/statement-disputes/{dispute_id}", summary="One disputed statement line")
async def get_statement_dispute(dispute_id: PathId, read: Reader) -> DisputeOut:
    return await read.run(queries.get_dispute, dispute_id=dispute_id, etag=True)


@router.post("/statement-disputes/{dispute_id}/accept", summary="Finance accepts the dispute")
async def accept_statement_dispute(
    dispute_id: PathId,
    body: DecideIn,
    call: Annotated[Call, trigger("statement_dispute", "accept")],
) -> DisputeOut:
    return await call.run(usecases.accept_dispute, dispute_id=dispute_id, data=body)


@router.post("/statement-disputes/{dispute_id}/reject", summary="Finance rejects the dispute")
async def reject_statement_dispute(
    dispute_id: PathId,
    body: DecideIn,
    call: Annotated[Call, trigger("statement_dispute", "reject")],
) -> DisputeOut:
    return await call.run(usecases.reject_dispute, dispute_id=dispute_id, data=body)


@router.post(
    "/statement-adjustments",
    status_code=201,
    summary="A price reduction, rebate, margin support or fee for the next statement (R21)",
)
async def enter_statement_adjustment(
    body: AdjustmentIn, call: Annotated[Call, Depends(creating("finance"))]
) -> AdjustmentOut:
    return await call.run(usecases.enter_adjustment, data=body)


@router.get("/statement-adjustments", summary="Statement adjustments, newest first")
async def list_statement_adjustments(
    read: Reader,
    customer_code: Code | None = None,
    state: AdjustmentState | None = None,
    kind: AdjustmentKind | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[AdjustmentOut]:
    return await read.run(
        queries.search_adjustments,
        customer_code=customer_code,
        state=state,
        kind=kind,
        limit=limit,
        offset=offset,
    )


@router.get("/statement-adjustments/{adjustment_id}", summary="One statement adjustment")
async def get_statement_adjustment(adjustment_id: PathId, read: Reader) -> AdjustmentOut:
    return await read.run(queries.get_adjustment, adjustment_id=adjustment_id, etag=True)


@router.post(
    "/statement-adjustments/{adjustment_id}/cancel",
    summary="Cancel it while no statement lists it",
)
async def cancel_statement_adjustment(
    adjustment_id: PathId,
    body: CancelIn,
    call: Annotated[Call, trigger("statement_adjustment", "cancel")],
) -> AdjustmentOut:
    return await call.run(usecases.cancel_adjustment, adjustment_id=adjustment_id, data=body)
