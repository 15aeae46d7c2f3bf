"""HTTP routes: the blue invoice's use confirmation, red-letter forms and their red invoices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from service.http import Call, Limit, Offset, PathId, QueryId, Reader, changing, creating, trigger
from service.invoices.redletter import queries, red_invoice, usecases
from service.invoices.redletter.schemas import (
    FormCreate,
    FormFromBuyer,
    FormOut,
    FormReasonIn,
    FormSubmit,
    UseConfirmation,
)
from service.invoices.schemas import InvoiceIssue, InvoiceOut
from service.schemas import EventOut

router = APIRouter(tags=["red-letter forms"])


@router.post(
    "/invoices/{invoice_id}/use-confirmation",
    tags=["invoices"],
    summary="Record the day the buyer confirmed use (用途确认) of a blue invoice",
)
async def record_use_confirmation(
    invoice_id: PathId,
    body: UseConfirmation,
    call: Annotated[Call, Depends(changing("finance"))],
) -> InvoiceOut:
    return await call.run(usecases.record_use, invoice_id=invoice_id, data=body)


@router.post(
    "/red-letter-forms",
    status_code=201,
    summary="Enter a red-letter information confirmation form for a blue invoice or a return",
)
async def create_form(
    body: FormCreate, call: Annotated[Call, Depends(creating("finance"))]
) -> FormOut:
    return await call.run(usecases.create, data=body)


@router.get("/red-letter-forms", summary="List red-letter forms, newest first")
async def list_forms(
    read: Reader,
    state: str | None = None,
    customer_code: str | None = None,
    invoice_id: QueryId = None,
    return_id: QueryId = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[FormOut]:
    return await read.run(
        queries.search,
        state=state,
        customer_code=customer_code,
        invoice_id=invoice_id,
        return_id=return_id,
        limit=limit,
        offset=offset,
    )


@router.get("/red-letter-forms/{form_id}", summary="One form; its version is the ETag")
async def get_form(form_id: PathId, read: Reader) -> FormOut:
    return await read.run(queries.get, form_id=form_id, etag=True)


@router.get("/red-letter-forms/{form_id}/history", summary="Every transition of the form")
async def form_history(form_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(queries.history, form_id=form_id)


@router.post(
    "/red-letter-forms/{form_id}/submit",
    summary="The seller initiates on the tax platform; the buyer answers within 72 hours",
)
async def submit_form(
    form_id: PathId, body: FormSubmit, call: Annotated[Call, trigger("red_letter_form", "submit")]
) -> FormOut:
    return await call.run(usecases.submit, form_id=form_id, data=body)


@router.post(
    "/red-letter-forms/{form_id}/receive-from-buyer",
    summary="The buyer initiated on the tax platform; the seller answers within 72 hours",
)
async def receive_form_from_buyer(
    form_id: PathId,
    body: FormFromBuyer,
    call: Annotated[Call, trigger("red_letter_form", "receive_from_buyer")],
) -> FormOut:
    return await call.run(usecases.receive_from_buyer, form_id=form_id, data=body)


@router.post(
    "/red-letter-forms/{form_id}/skip-confirmation",
    summary="No confirmation needed: the buyer has not confirmed use of the blue invoice",
)
async def skip_form_confirmation(
    form_id: PathId, call: Annotated[Call, trigger("red_letter_form", "skip_confirmation")]
) -> FormOut:
    return await call.run(usecases.skip_confirmation, form_id=form_id)


@router.post("/red-letter-forms/{form_id}/confirm", summary="The other side confirmed in time")
async def confirm_form(
    form_id: PathId, call: Annotated[Call, trigger("red_letter_form", "confirm")]
) -> FormOut:
    return await call.run(usecases.confirm, form_id=form_id)


@router.post("/red-letter-forms/{form_id}/deny", summary="The other side denied: the form voids")
async def deny_form(
    form_id: PathId, body: FormReasonIn, call: Annotated[Call, trigger("red_letter_form", "deny")]
) -> FormOut:
    return await call.run(usecases.deny, form_id=form_id, data=body)


@router.post("/red-letter-forms/{form_id}/revoke", summary="The initiator revoked: the form voids")
async def revoke_form(
    form_id: PathId,
    body: FormReasonIn,
    call: Annotated[Call, trigger("red_letter_form", "revoke")],
) -> FormOut:
    return await call.run(usecases.revoke, form_id=form_id, data=body)


@router.post(
    "/red-letter-forms/{form_id}/red-invoice",
    status_code=201,
    summary="Record the red invoice the tax system issued against a usable form; the credit is "
    "booked now",
)
async def issue_red_invoice(
    form_id: PathId,
    body: InvoiceIssue,
    call: Annotated[Call, trigger("red_letter_form", "issue_red", status_code=201)],
) -> InvoiceOut:
    return await call.run(red_invoice.issue_red, form_id=form_id, data=body)
