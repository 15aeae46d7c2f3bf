"""HTTP routes of the settlement gate (R23, R27-R29): may an invoice or a statement's invoices be
settled on a day (every blocker named, in words), and settling them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from service.http import Call, PathId, QueryId, Reader, locale_of, trigger
from service.schemas import Day
from service.settlement import queries, usecases
from service.settlement.schemas import (
    InvoiceSettlementOut,
    SettleIn,
    SettlementOut,
    StatementSettlementOut,
)

router = APIRouter(tags=["settlement"])
StatementNo = Annotated[str, Path(min_length=1, max_length=32, description="e.g. DZ2026000001")]
On = Annotated[Day | None, Query(description="the settlement day (default today)")]
Attorney = Annotated[
    QueryId, Query(description="the power of attorney of the person collecting (R28)")
]


@router.get(
    "/invoices/{invoice_id}/settlement",
    summary="May the invoice be settled on a day? Every condition that blocks it (R23, R27-R29)",
)
async def invoice_settlement(
    invoice_id: PathId, request: Request, read: Reader, on: On = None, attorney: Attorney = None
) -> InvoiceSettlementOut:
    return await read.run(
        queries.invoice,
        invoice_id=invoice_id,
        on=on,
        attorney=attorney,
        locale=locale_of(request),
    )


@router.get(
    "/statements/{statement_no}/settlement",
    summary="May the statement's invoices be settled on a day? Each with what blocks it",
)
async def statement_settlement(
    statement_no: StatementNo,
    request: Request,
    read: Reader,
    on: On = None,
    attorney: Attorney = None,
) -> StatementSettlementOut:
    return await read.run(
        queries.statement,
        statement_no=statement_no,
        on=on,
        attorney=attorney,
        locale=locale_of(request),
    )


@router.post(
    "/statements/{statement_no}/settle",
    summary="Settle every invoice of the confirmed statement, all or nothing (R23, R27-R29)",
)
async def settle_statement(
    statement_no: StatementNo,
    body: SettleIn,
    call: Annotated[Call, trigger("statement", "settle")],
) -> SettlementOut:
    return await call.run(usecases.settle_statement, statement_no=statement_no, data=body)


@router.post(
    "/invoices/{invoice_id}/settle",
    summary="Settle one invoice of a confirmed statement (R23, R27-R29)",
)
async def settle_invoice(
    invoice_id: PathId,
    body: SettleIn,
    call: Annotated[Call, trigger("invoice", "settle")],
) -> SettlementOut:
    return await call.run(usecases.settle_invoice, invoice_id=invoice_id, data=body)
