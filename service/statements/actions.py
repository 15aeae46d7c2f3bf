"""The forms of the statements' pages (R21, R22): send a statement, record the customer's
confirmation with its signed copy, dispute lines, re-draft; finance's decisions on disputed
lines; statement adjustments entered with their evidence and cancelled.

Each posts to the same use case as its API route, with the same roles, once per shown form, and
sends back the version the form was shown at (the API's If-Match). A file is stored as
`POST /attachments` stores it: the customer's signed copy as soon as it is sent, so that a
refused confirmation keeps it (a file input cannot keep what was chosen); an adjustment's
evidence with the adjustment, in one transaction (a refusal leaves no file behind).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData, UploadFile

from service import evidence
from service.context import Context
from service.errors import DomainError, Invalid
from service.http import PathId
from service.problems import input_error
from service.schemas import AttachmentRef
from service.statements import sheets, usecases
from service.statements.pages import WORDS, adjustments_page, statement_page
from service.statements.routes import StatementNo
from service.statements.schemas import (
    AdjustmentIn,
    AdjustmentOut,
    CancelIn,
    ConfirmIn,
    DecideIn,
    DisputeIn,
    RedraftIn,
    SendIn,
)
from service.web.forms import (
    CONTROL,
    FormRefused,
    at_version,
    on_rows,
    parse,
    refusal,
    shown_version,
    typed,
    without,
)
from service.web.pages import Page, page
from service.web.uploads import FILE, Upload, read_upload
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
# The roles the statement lifecycles give their triggers.
People = Annotated[Page, page("sales", "finance")]
Finance = Annotated[Page, page("finance")]


def _store(session: Session, ctx: Context, *, data: Upload, content: bytes) -> AttachmentRef:
    attachment = evidence.store(
        session,
        uploaded_by=ctx.actor.username,
        filename=data.filename,
        content_type=data.content_type,
        content=content,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    session.flush()
    return AttachmentRef.model_validate(attachment)


# --- A statement's steps ----------------------------------------------------------------------


def _back(statement_no: str) -> str:
    return f"/web/statements/{statement_no}"


@router.post("/statements/{statement_no}/send")
async def send(statement_no: StatementNo, view: People) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(SendIn, without(form, "version"))
        await view.act(
            at_version(usecases.send),
            form=form,
            data=data,
            statement_no=statement_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await statement_page(view, statement_no, refusal(error), typed(form), active="send")
    return view.go(_back(statement_no), "statements.done.send")


@router.post("/statements/{statement_no}/confirm")
async def confirm(statement_no: StatementNo, view: People) -> Response:
    """R22: the customer's confirmation (date, signatory, its reference) with its signed copy;
    ours is the person who records it."""
    form = await view.form()
    values = typed(form, CONTROL | {FILE})
    scan: AttachmentRef | None = None
    try:
        upload = form.get(FILE)
        if isinstance(upload, UploadFile) and upload.filename:
            data, content = await read_upload(view, form)
            # Its own transaction, no form key (the same file is stored once): kept when the
            # confirmation is refused.
            stored = await view.act(_store, form=FormData(), data=data, content=content)
            scan = AttachmentRef.model_validate(stored)
            values["evidence_id"] = str(scan.id)
        elif values.get("evidence_id", "").isdigit() and len(values["evidence_id"]) <= 10:
            scan = await view.read(sheets.attachment, attachment_id=int(values["evidence_id"]))
        if scan is None:
            raise Invalid("evidence.empty", field=FILE)
        version = shown_version(form)
        shown = FormData([(k, v) for k, v in values.items() if k != "version"])
        confirm_in = parse(ConfirmIn, shown)
        await view.act(
            at_version(usecases.confirm),
            form=form,
            data=confirm_in,
            statement_no=statement_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await statement_page(
            view, statement_no, refusal(error), values, active="confirm", scan=scan
        )
    return view.go(_back(statement_no), "statements.done.confirm")


def _disputed(form: FormData) -> tuple[DisputeIn, list[int]]:
    """The lines ticked on the form (each with its reason, or the form's reason, and the
    customer's amount) and the row of the form each came from."""
    common = str(form.get("reason") or "").strip()
    rows: list[int] = []
    lines: list[dict[str, Any]] = []
    for row in range(sheets.MAX_LINES):
        ticked = str(form.get(f"lines[{row}].line_id") or "").strip()
        if not ticked:
            continue
        reason = str(form.get(f"lines[{row}].reason") or "").strip() or common
        line: dict[str, Any] = {"line_id": ticked, "reason": reason}
        amount = str(form.get(f"lines[{row}].customer_amount") or "").strip()
        if amount:
            line["customer_amount"] = amount
        rows.append(row)
        lines.append(line)
    if not lines:
        raise Invalid("statements.page.no_line_ticked", field="lines")
    try:
        return DisputeIn.model_validate({"lines": lines}), rows
    except ValidationError as error:
        refused = FormRefused([input_error(e) for e in error.errors()])
        raise on_rows(refused, rows) from None


@router.post("/statements/{statement_no}/dispute")
async def dispute(statement_no: StatementNo, view: People) -> Response:
    """The customer disputes the ticked lines: one dispute each in finance's queue."""
    form = await view.form()
    rows: list[int] = []
    try:
        version = shown_version(form)
        data, rows = _disputed(form)
        await view.act(
            at_version(usecases.dispute),
            form=form,
            data=data,
            statement_no=statement_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        shown = refusal(error)
        if not isinstance(shown, FormRefused):
            shown = on_rows(shown, rows)
        return await statement_page(view, statement_no, shown, typed(form), active="dispute")
    return view.go(_back(statement_no), "statements.done.dispute")


@router.post("/statements/{statement_no}/redraft")
async def redraft(statement_no: StatementNo, view: People) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(RedraftIn, without(form, "version"))
        await view.act(
            at_version(usecases.redraft),
            form=form,
            data=data,
            statement_no=statement_no,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await statement_page(
            view, statement_no, refusal(error), typed(form), active="redraft"
        )
    return view.go(_back(statement_no), "statements.done.redraft")


# --- Finance decides disputed lines --------------------------------------------------------------


async def _decide(view: Page, dispute_id: int, usecase: Callable[..., Any], done: str) -> Response:
    form = await view.form()
    back = str(form.get("next") or "")
    try:
        version = shown_version(form)
        data = parse(DecideIn, without(form, "version", "next"))
        await view.act(
            at_version(usecase), form=form, data=data, dispute_id=dispute_id, version=version
        )
    except (DomainError, WorkflowError) as error:
        found, more = await view.read(sheets.disputes, state=None, offset=0)
        return view.show(
            "statements/disputes.html",
            refusal(error),
            disputes=found,
            following="/web/statement-disputes?state=all&offset=50" if more else None,
            state="all",
            words=WORDS,
            active="decide",
            at=dispute_id,
            values=typed(form),
        )
    if back.startswith("/web/statements/") and back.isprintable() and len(back) < 80:
        return view.go(back, done)
    return view.go("/web/statement-disputes", done)


@router.post("/statement-disputes/{dispute_id}/accept")
async def accept(dispute_id: PathId, view: Finance) -> Response:
    return await _decide(view, dispute_id, usecases.accept_dispute, "statements.done.accept")


@router.post("/statement-disputes/{dispute_id}/reject")
async def reject(dispute_id: PathId, view: Finance) -> Response:
    return await _decide(view, dispute_id, usecases.reject_dispute, "statements.done.reject")


# --- Statement adjustments --------------------------------------------------------------------


def enter_with_file(
    session: Session, ctx: Context, *, data: AdjustmentIn, upload: Upload, content: bytes
) -> AdjustmentOut:
    """Store the document's scan and enter the adjustment with it, in one transaction."""
    stored = _store(session, ctx, data=upload, content=content)
    entered = data.model_copy(update={"evidence": [stored.id]})
    return usecases.enter_adjustment(session, ctx, data=entered)


@router.post("/statement-adjustments")
async def enter(view: Finance) -> Response:
    form = await view.form()
    try:
        upload, content = await read_upload(view, form)
        # The evidence is the file sent with the form; its id is given once it is stored.
        typed_in = FormData([*without(form, FILE).multi_items(), ("evidence[0]", "1")])
        data = parse(AdjustmentIn, typed_in)
        await view.act(enter_with_file, form=form, data=data, upload=upload, content=content)
    except (DomainError, WorkflowError) as error:
        return await adjustments_page(
            view, {}, 0, refusal(error), typed(form, CONTROL | {FILE}), active="enter"
        )
    return view.go("/web/statement-adjustments", "statements.done.adjustment")


@router.post("/statement-adjustments/{adjustment_id}/cancel")
async def cancel(adjustment_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(CancelIn, without(form, "version"))
        await view.act(
            at_version(usecases.cancel_adjustment),
            form=form,
            data=data,
            adjustment_id=adjustment_id,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await adjustments_page(
            view, {}, 0, refusal(error), typed(form), active="cancel", at=adjustment_id
        )
    return view.go("/web/statement-adjustments", "statements.done.cancel")
