"""HTTP routes: record a customer's booking; finance's invoice exception queue (R14-R18)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.http import Call, Limit, Offset, PathId, Reader, creating, trigger
from service.invoices.exceptions import booking, queries, usecases
from service.invoices.exceptions.schemas import (
    BookingCreate,
    BookingOut,
    ConfirmIn,
    EvidenceIn,
    ExceptionOut,
    OverrideIn,
)
from service.schemas import EventOut

router = APIRouter(tags=["invoice exceptions"])


@router.post(
    "/invoices/{invoice_id}/booking",
    status_code=201,
    tags=["invoices"],
    summary="Record what the customer booked; one exception per discrepancy",
)
async def record_booking(
    invoice_id: int,
    body: BookingCreate,
    call: Annotated[Call, Depends(creating("finance", "sales"))],
) -> BookingOut:
    return await call.run(booking.record_booking, invoice_id=invoice_id, data=body)


@router.get(
    "/invoice-exceptions",
    summary="Finance's exception queue: filter by customer, kind, age, amount",
)
async def exception_queue(
    read: Reader,
    state: str | None = "open",
    customer_code: str | None = None,
    kind: str | None = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    min_amount: Annotated[
        Decimal | None, Query(ge=0, max_digits=16, description="|total difference|")
    ] = None,
    max_amount: Annotated[Decimal | None, Query(ge=0, max_digits=16)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[ExceptionOut]:
    return await read.run(
        queries.queue,
        state=state,
        customer_code=customer_code,
        kind=kind,
        min_age_days=min_age_days,
        min_amount=min_amount,
        max_amount=max_amount,
        limit=limit,
        offset=offset,
    )


@router.get("/invoice-exceptions/{exception_id}", summary="One exception; its version is the ETag")
async def get_exception(exception_id: PathId, read: Reader) -> ExceptionOut:
    return await read.run(queries.get, exception_id=exception_id, etag=True)


@router.get(
    "/invoice-exceptions/{exception_id}/history",
    summary="Every transition of the exception, with the rule decisions",
)
async def exception_history(exception_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, exception_id=exception_id)


@router.post(
    "/invoice-exceptions/{exception_id}/evidence",
    summary="Attach evidence; the rules decide again with it",
)
async def attach_evidence(
    exception_id: PathId,
    body: EvidenceIn,
    call: Annotated[Call, trigger("invoice_exception", "attach_evidence")],
) -> ExceptionOut:
    return await call.run(usecases.attach_evidence, exception_id=exception_id, data=body)


@router.post(
    "/invoice-exceptions/{exception_id}/confirm",
    summary="Confirm the decided resolution; it is carried out",
)
async def confirm_exception(
    exception_id: PathId,
    call: Annotated[Call, trigger("invoice_exception", "confirm")],
    body: ConfirmIn | None = None,
) -> ExceptionOut:
    return await call.run(usecases.confirm, exception_id=exception_id, data=body or ConfirmIn())


@router.post(
    "/invoice-exceptions/{exception_id}/override",
    summary="Resolve differently from the rules, with a written reason (recorded)",
)
async def override_exception(
    exception_id: PathId,
    body: OverrideIn,
    call: Annotated[Call, trigger("invoice_exception", "override")],
) -> ExceptionOut:
    return await call.run(usecases.override, exception_id=exception_id, data=body)
