"""The forms of a return's page (R24, R25): approve with the approval report, reject, cancel,
the return receipt with its scan, the customer's consent, the credit method and the customer's
blue invoice back.

Each posts to the same use case as its API route, with the same roles, once per shown form. A
file is stored as `POST /attachments` stores it: with the approval or the consent in one
transaction (a refusal leaves no file behind); the return receipt's scan as soon as it is sent,
so that a refused receipt keeps it (a file input cannot keep what was chosen).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service import evidence
from service.context import Context
from service.errors import DomainError
from service.http import PathId
from service.returns import crediting, sheets, usecases
from service.returns.pages import return_page
from service.returns.schemas import (
    ApproveIn,
    BlueInvoiceIn,
    CancelIn,
    ConsentIn,
    MethodIn,
    ReasonIn,
    ReturnOut,
    ReturnReceiptIn,
)
from service.schemas import AttachmentRef, Dated, Day
from service.web.forms import CONTROL, parse, refusal, typed
from service.web.pages import Page, page
from service.web.uploads import FILE, Upload, read_upload
from workflows import WorkflowError

router = APIRouter(prefix="/web/returns", include_in_schema=False)
# The roles the return lifecycle gives its triggers.
Deciders = Annotated[Page, page("hq", "finance")]
Cancellers = Annotated[Page, page("sales", "hq")]
Logistics = Annotated[Page, page("logistics")]
Finance = Annotated[Page, page("finance")]


def _store(session: Session, ctx: Context, *, data: Upload, content: bytes) -> int:
    attachment = evidence.store(
        session,
        uploaded_by=ctx.actor.username,
        filename=data.filename,
        content_type=data.content_type,
        content=content,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    session.flush()
    return int(attachment.id)


class DatedUpload(Upload):
    """The approval report uploaded with the day the return was approved on (empty: today)."""

    business_date: Day | None = None


def approve_with_report(
    session: Session, ctx: Context, *, return_id: int, data: DatedUpload, content: bytes
) -> ReturnOut:
    """Store the approval report (批复报告) and approve with it (R25), in one transaction, on
    the business date given."""
    report = _store(session, ctx, data=data, content=content)
    approval = ApproveIn(
        approval_report_id=report, note=data.note, business_date=data.business_date
    )
    return usecases.approve(session, ctx, return_id=return_id, data=approval)


def consent_with_file(
    session: Session, ctx: Context, *, return_id: int, data: Upload, content: bytes
) -> ReturnOut:
    """Store the customer's written consent (确认函) and file it on the return (R25)."""
    consent = _store(session, ctx, data=data, content=content)
    return crediting.attach_consent(
        session, ctx, return_id=return_id, data=ConsentIn(attachment_id=consent)
    )


@router.post("/{return_id}/approve")
async def approve(return_id: PathId, view: Deciders) -> Response:
    form = await view.form()
    try:
        upload, content = await read_upload(view, form)
        day = parse(Dated, FormData([("business_date", str(form.get("business_date") or ""))]))
        data = DatedUpload(**upload.model_dump(), business_date=day.business_date)
        await view.act(
            approve_with_report, form=form, data=data, return_id=return_id, content=content
        )
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="approve")
    return view.go(f"/web/returns/{return_id}", "returns.done.approve")


@router.post("/{return_id}/reject")
async def reject(return_id: PathId, view: Deciders) -> Response:
    form = await view.form()
    try:
        data = parse(ReasonIn, form)
        await view.act(usecases.reject, form=form, data=data, return_id=return_id)
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="reject")
    return view.go(f"/web/returns/{return_id}", "returns.done.reject")


@router.post("/{return_id}/cancel")
async def cancel(return_id: PathId, view: Cancellers) -> Response:
    form = await view.form()
    try:
        data = parse(CancelIn, form)
        await view.act(usecases.cancel, form=form, data=data, return_id=return_id)
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="cancel")
    return view.go(f"/web/returns/{return_id}", "returns.done.cancel")


def _store_scan(session: Session, ctx: Context, *, data: Upload, content: bytes) -> AttachmentRef:
    stored = _store(session, ctx, data=data, content=content)
    found = session.get(evidence.Attachment, stored)
    return AttachmentRef.model_validate(found)


@router.post("/{return_id}/receipt")
async def receipt(return_id: PathId, view: Logistics) -> Response:
    """Post the return receipt (退货入库单): its number, date, the quantities back and the scan."""
    form = await view.form()
    values = typed(form, CONTROL | {FILE, "note"})
    scan: AttachmentRef | None = None
    try:
        upload = form.get(FILE)
        if isinstance(upload, UploadFile) and upload.filename:
            data, content = await read_upload(view, form)
            # Its own transaction, no form key (the same file is stored once): kept when the
            # receipt is refused.
            stored = await view.act(_store_scan, form=FormData(), data=data, content=content)
            scan = AttachmentRef.model_validate(stored)
            values["scan_id"] = str(scan.id)
        elif values.get("scan_id", "").isdigit() and len(values["scan_id"]) <= 10:
            scan = await view.read(sheets.attachment, attachment_id=int(values["scan_id"]))
        receipt_in = parse(ReturnReceiptIn, FormData(list(values.items())))
        await view.act(usecases.receive, form=form, data=receipt_in, return_id=return_id)
    except (DomainError, WorkflowError) as error:
        return await return_page(
            view, return_id, refusal(error), values, active="receipt", scan=scan
        )
    return view.go(f"/web/returns/{return_id}", "returns.done.receive")


@router.post("/{return_id}/consent")
async def consent(return_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        data, content = await read_upload(view, form)
        await view.act(
            consent_with_file, form=form, data=data, return_id=return_id, content=content
        )
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="consent")
    return view.go(f"/web/returns/{return_id}", "returns.done.consent")


@router.post("/{return_id}/method")
async def method(return_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        data = parse(MethodIn, form)
        await view.act(crediting.choose_method, form=form, data=data, return_id=return_id)
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="method")
    return view.go(f"/web/returns/{return_id}", "returns.done.method")


@router.post("/{return_id}/customer-blue-invoice")
async def blue_invoice(return_id: PathId, view: Finance) -> Response:
    """R24 (b): the customer's blue invoice back credits the return."""
    form = await view.form()
    try:
        data = parse(BlueInvoiceIn, form)
        await view.act(crediting.record_blue_invoice, form=form, data=data, return_id=return_id)
    except (DomainError, WorkflowError) as error:
        return await return_page(view, return_id, refusal(error), typed(form), active="blue")
    return view.go(f"/web/returns/{return_id}", "returns.done.credit")
