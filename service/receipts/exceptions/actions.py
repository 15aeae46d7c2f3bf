"""The forms of a receipt exception's page (R8): re-deliver, post the follow-up delivery's signed
receipt with its scan, claim from the carrier with the evidence, the claim settled or refused,
accepted by sales.

Each posts to the same use case as its API route, with the same roles, once per shown form. A
file (the follow-up's scan, the claim's evidence) is stored as `POST /attachments` stores it as
soon as it is sent, so that a refused step keeps it (a file input cannot keep what was chosen).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel
from starlette.datastructures import FormData

from service.errors import DomainError
from service.http import PathId
from service.receipts import queries as receipts
from service.receipts.exceptions import usecases
from service.receipts.exceptions.pages import exception_page
from service.receipts.exceptions.schemas import (
    AcceptIn,
    ClaimIn,
    PathIn,
    RedeliveryIn,
    RefuseIn,
    SettleIn,
)
from service.receipts.pages import stored_scan
from service.schemas import AttachmentRef
from service.web.forms import CONTROL, parse, refusal, typed
from service.web.pages import Page, page
from workflows import WorkflowError

router = APIRouter(prefix="/web/receipt-exceptions", include_in_schema=False)
# The roles the receipt_exception lifecycle gives its triggers.
Redeliverers = Annotated[Page, page("logistics", "sales")]
Logistics = Annotated[Page, page("logistics")]
Closers = Annotated[Page, page("logistics", "finance")]
Sales = Annotated[Page, page("sales")]
FILE = "file"


def _at(exception_id: int) -> str:
    return f"/web/receipt-exceptions/{exception_id}"


async def _step(
    view: Page,
    exception_id: int,
    usecase: Callable[..., Any],
    model: type[BaseModel],
    *,
    active: str,
    done: str,
    kept_as: str | None = None,
) -> Response:
    """Take the step with the form's fields as `model`; with `kept_as` the file sent with the
    form is stored first and named by that field (or the one stored before is kept)."""
    form = await view.form()
    values = typed(form, CONTROL | {FILE})
    kept: AttachmentRef | None = None
    try:
        if kept_as is not None:
            kept = await stored_scan(view, form)
            if kept is not None:
                values[kept_as] = str(kept.id)
            elif values.get(kept_as, "").isdigit() and len(values[kept_as]) <= 10:
                kept = await view.read(receipts.attachment, attachment_id=int(values[kept_as]))
        data = parse(model, FormData(list(values.items())))
        await view.act(usecase, form=form, data=data, exception_id=exception_id)
    except (DomainError, WorkflowError) as error:
        return await exception_page(
            view, exception_id, refusal(error), values, active=active, kept=kept
        )
    return view.go(_at(exception_id), done)


@router.post("/{exception_id}/redeliver")
async def redeliver(exception_id: PathId, view: Redeliverers) -> Response:
    return await _step(
        view,
        exception_id,
        usecases.redeliver,
        PathIn,
        active="redeliver",
        done="receipts.exception.done.redeliver",
    )


@router.post("/{exception_id}/redelivery")
async def redelivery(exception_id: PathId, view: Logistics) -> Response:
    """The follow-up delivery's signed receipt with its scan: its quantity goes on the
    customer's next invoice."""
    return await _step(
        view,
        exception_id,
        usecases.post_redelivery,
        RedeliveryIn,
        active="redelivery",
        done="receipts.exception.done.redelivery",
        kept_as="scan_id",
    )


@router.post("/{exception_id}/claim")
async def claim(exception_id: PathId, view: Logistics) -> Response:
    return await _step(
        view,
        exception_id,
        usecases.claim,
        ClaimIn,
        active="claim",
        done="receipts.exception.done.claim",
        kept_as="evidence_id",
    )


@router.post("/{exception_id}/settle-claim")
async def settle_claim(exception_id: PathId, view: Closers) -> Response:
    return await _step(
        view,
        exception_id,
        usecases.settle_claim,
        SettleIn,
        active="settle",
        done="receipts.exception.done.settle",
    )


@router.post("/{exception_id}/refuse-claim")
async def refuse_claim(exception_id: PathId, view: Closers) -> Response:
    return await _step(
        view,
        exception_id,
        usecases.refuse_claim,
        RefuseIn,
        active="refuse",
        done="receipts.exception.done.refuse",
    )


@router.post("/{exception_id}/accept")
async def accept(exception_id: PathId, view: Sales) -> Response:
    return await _step(
        view,
        exception_id,
        usecases.accept,
        AcceptIn,
        active="accept",
        done="receipts.exception.done.accept",
    )
