"""Pages for signed receipts: logistics posts an order's signed receipt (签收入库回单, R6) from a
form filled in with what was shipped, sees its shortages and substitutions before posting (R8),
and prints it; the order's page shows the receipt with its exceptions in a panel.

The form has two buttons. "Check" counts the receipt as the posting will (`counting`) and shows
the form again with the rows marked and the exceptions listed; "Post" books it through the same
use case as `POST /orders/{id}/receipt`, once per shown form. The scan is stored as the
attachments API stores it, as soon as it is sent: the form then carries its id (a file input
cannot keep what was chosen), so a check or a refusal does not ask for it again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service import evidence
from service.context import Context
from service.errors import DomainError, FieldError, PayloadTooLarge
from service.http import PathId
from service.receipts import counting, posting, queries
from service.receipts.exceptions import sheets
from service.receipts.exceptions.pages import WORDS
from service.receipts.schemas import ReceiptCreate, ReceiptLineIn
from service.schemas import AttachmentRef, Code, Day, Request
from service.web.documents import Panel
from service.web.forms import CONTROL, FormRefused, parse, refusal, typed
from service.web.pages import Anyone, Page, page
from workflows import WorkflowError

router = APIRouter(include_in_schema=False)
# The role the order lifecycle gives `post_receipt` (the API's route checks the same).
Logistics = Annotated[Page, page("logistics")]

# Words of the exception kinds (literal codes: the catalog check reads them here); their states
# are the receipt_exception lifecycle's.
KINDS = {"shortage": "receipts.kind.shortage", "substitution": "receipts.kind.substitution"}
# The scan's input, named as the attachments API names the uploaded file.
SCAN = "file"
CHECK, POST = "check", "post"
# Inputs of the page that are not fields of the receipt.
NOT_FIELDS = CONTROL | {SCAN, "step"}


class _Lines(Request):
    """Only the receipt's lines, for the check while other fields are still refused."""

    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=200)


class _Head(Request):
    """Only the receipt's number and date, for the check while other fields are refused."""

    receipt_no: Code
    receipt_date: Day


def order_panel(session: Session, ctx: Context, order_id: int) -> Mapping[str, Any] | None:
    """The receipt on the order's page: once posted, or when this person may post it."""
    shown = queries.order_receipt(session, ctx, order_id=order_id)
    if shown is None or (shown.receipt is None and not shown.may_post):
        return None
    return {"receiving": shown, "kinds": KINDS}


PANEL = Panel(machine="order", template="receipts/order_panel.html", load=order_panel, place=20)


async def _receipt_page(
    view: Page,
    order_id: int,
    *,
    sheet: queries.Receiving | None = None,
    values: dict[str, str] | None = None,
    error: DomainError | None = None,
    found: list[counting.Found] | None = None,
) -> HTMLResponse:
    if sheet is None:
        sheet = await view.read(queries.receiving, order_id=order_id)
    values = values or {}
    scan = None
    if values.get("evidence[0]", "").isdigit() and len(values["evidence[0]"]) <= 10:
        scan = await view.read(queries.attachment, attachment_id=int(values["evidence[0]"]))
    marks: dict[int, list[str]] = {}
    for exception in found or ():
        marks.setdefault(exception.line.line_no, []).append(exception.kind)
    shown: dict[str, Any] = {
        "sheet": sheet,
        "open": view.runtime.workflows["order"].allows(sheet.order.state, queries.POST_RECEIPT),
        "values": values,
        "scan": scan,
        "found": found,
        "marks": marks,
        "today": view.ctx.today,
    }
    return view.show("receipts/form.html", error, **shown)


@router.get("/web/orders/{order_id}/receipt")
@router.get("/web/orders/{order_id}/post_receipt")  # the order's next step of that name
async def receipt_form(order_id: PathId, view: Logistics) -> HTMLResponse:
    """The receipt form, filled in with the shipped lines (received = shipped until changed)."""
    return await _receipt_page(view, order_id)


def _store_scan(
    session: Session, ctx: Context, *, filename: str, content_type: str, content: bytes
) -> AttachmentRef:
    """Keep the scan as the attachments API does (the same file is stored once)."""
    attachment = evidence.store(
        session,
        uploaded_by=ctx.actor.username,
        filename=filename,
        content_type=content_type,
        content=content,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    session.flush()
    return AttachmentRef.model_validate(attachment)


async def stored_scan(view: Page, form: FormData) -> AttachmentRef | None:
    """The scan sent with the form, stored; None when no file was chosen (the receipt
    exceptions' forms keep their files the same way)."""
    upload = form.get(SCAN)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    limit = view.runtime.settings.max_attachment_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("evidence.too_large", field=SCAN, size=len(content), max=limit)
    # Stored in a transaction of its own (no form key: storing a file twice stores it once), so
    # that a refused post keeps it.
    stored = await view.act(
        _store_scan,
        form=FormData(),
        filename=upload.filename,
        content_type=upload.content_type or "",
        content=content,
    )
    return AttachmentRef.model_validate(stored)


async def _check(
    view: Page, sheet: queries.Receiving, fields: FormData
) -> tuple[list[counting.Found] | None, DomainError | None]:
    """The receipt counted as the posting counts it: the shortages and substitutions it would
    record (None when its lines cannot be counted), and every field it would refuse for its
    form or its quantities."""
    errors: list[FieldError] = []
    try:
        parse(ReceiptCreate, fields)
    except FormRefused as refused:
        errors.extend(refused.errors)
    try:
        head = parse(_Head, FormData([(k, fields[k]) for k in ("receipt_no", "receipt_date")]))
    except (FormRefused, KeyError):
        pass  # refused above, by field
    else:
        # What posting would refuse for the number and date (taken, before the shipment...).
        stated = ReceiptCreate.model_construct(
            receipt_no=head.receipt_no, receipt_date=head.receipt_date, lines=[], evidence=[]
        )
        taken = await view.read(posting.refusals, order=sheet.order, data=stated)
        named = {e.field for e in errors}
        errors.extend(e for e in taken if e.field not in named)
    found: list[counting.Found] | None = None
    try:
        stated_lines = [(k, v) for k, v in fields.multi_items() if k.startswith("lines[")]
        lines = parse(_Lines, FormData(stated_lines))
        codes = {line.item_code for line in lines.lines if line.item_code}
        items = await view.read(queries.item_ids, codes=codes) if codes else {}
        # Only the lines are counted (the rest of the receipt is checked above).
        stated = ReceiptCreate.model_construct(
            receipt_no="", receipt_date=view.ctx.today, lines=lines.lines, evidence=[]
        )
        found = counting.exceptions(sheet.order, counting.received(sheet.order, stated, items))
    except DomainError as refused:
        named = {e.field for e in errors}
        errors.extend(e for e in refused.errors if e.field not in named)
    return found, (FormRefused(errors) if errors else None)


def _together(refused: DomainError | None, checked: DomainError | None) -> DomainError | None:
    """The refusal with what the check found at other fields too, so every field at fault is
    shown at once; a refusal of the whole receipt (its order's state) stands alone."""
    if refused is None or checked is None or not refused.errors:
        return refused or checked
    named = {e.field for e in refused.errors}
    refused.errors.extend(e for e in checked.errors if e.field not in named)
    return refused


@router.post("/web/orders/{order_id}/receipt/form")
async def receipt(order_id: PathId, view: Logistics) -> Response:
    """Check the receipt (the form again, rows marked) or post it (to the order's page)."""
    form = await view.form()
    values = typed(form, NOT_FIELDS)
    step = POST if form.get("step") == POST else CHECK
    refused: DomainError | None = None
    try:
        scan = await stored_scan(view, form)
        if scan is not None:
            values["evidence[0]"] = str(scan.id)
    except DomainError as error:
        refused = error
    fields = FormData(list(values.items()))
    if step == POST and refused is None:
        try:
            data = parse(ReceiptCreate, fields)
            await view.act(posting.post, form=form, data=data, order_id=order_id)
            return view.go(f"/web/orders/{order_id}", "receipts.done.post")
        except (DomainError, WorkflowError) as error:
            refused = refusal(error)
    sheet = await view.read(queries.receiving, order_id=order_id)
    found, problems = await _check(view, sheet, fields)
    return await _receipt_page(
        view, order_id, sheet=sheet, values=values, error=_together(refused, problems), found=found
    )


@router.get("/web/receipts/{receipt_id}/print")
async def printout(receipt_id: PathId, view: Anyone) -> HTMLResponse:
    """The signed receipt on A4: its lines, its exceptions and how each ended, and the lines
    to sign."""
    shown = await view.read(queries.printout, receipt_id=receipt_id)
    outcomes = await view.read(sheets.of_receipt, receipt_id=receipt_id)
    return view.render(
        "receipts/print.html", doc=shown, outcomes=outcomes, kinds=KINDS, words=WORDS
    )
