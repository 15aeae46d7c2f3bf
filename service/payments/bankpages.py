"""Pages for bank statements (finance): importing a file (a dry run's preview table first, then
the import), the queue of lines waiting for a person, and one line with its candidates and the
forms that match it to a customer's statement or invoices, ignore it or reopen it.

The same use cases and roles as the API routes (`service/payments/bankroutes.py`), once per
shown form; the line's forms send back the version they were shown at (the API's If-Match).
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData, UploadFile

from service.errors import DomainError, Invalid
from service.http import PathId
from service.payments import bankimport, banklines, bankqueries
from service.payments.bankfile import file_name
from service.payments.bankschemas import BankIgnoreIn, BankImportOut, BankMatchIn, BankUpload
from service.problems import input_error
from service.web.forms import (
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
from workflows import WorkflowError

router = APIRouter(prefix="/web", include_in_schema=False)
Finance = Annotated[Page, page("finance")]
PAGE = 50
# The most candidate invoices the match form lists (a remittance holds as many).
MAX_ROWS = 500
STATES = ("unmatched", "matched", "ignored")
# Words of the values the pages show (literal codes, so the catalogs' check sees them).
WORDS: dict[str, dict[str, str]] = {
    "outcome": {
        "booked": "bank.outcome.booked",
        "matched_existing": "bank.outcome.matched_existing",
        "waiting": "bank.outcome.waiting",
        "already": "bank.outcome.already",
        "skipped": "bank.outcome.skipped",
        "error": "bank.outcome.error",
    },
    "found_by": {
        "invoice": "bank.found_by.invoice",
        "statement": "bank.found_by.statement",
        "code": "bank.found_by.code",
        "payer": "bank.found_by.payer",
        "import": "bank.found_by.import",
    },
}


# --- Importing a file -------------------------------------------------------------------------


def _import_page(
    view: Page,
    error: DomainError | None = None,
    report: BankImportOut | None = None,
) -> HTMLResponse:
    return view.show("payments/bank_import.html", error, report=report, words=WORDS)


@router.get("/bank-statements/import")
async def import_form(view: Finance) -> HTMLResponse:
    """The upload form."""
    return _import_page(view)


async def _upload(form: FormData) -> tuple[BankUpload, bytes]:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid("bank.file.missing", field="file")
    content = await upload.read(bankimport.MAX_FILE_BYTES + 1)
    if len(content) > bankimport.MAX_FILE_BYTES:
        raise bankimport.too_large(len(content))
    if not content:
        raise Invalid("bank.file.missing", field="file")
    data = BankUpload(
        file=file_name(upload.filename),
        sha256=hashlib.sha256(content).hexdigest(),
        dry_run=str(form.get("dry_run") or "") == "true",
    )
    return data, content


@router.post("/bank-statements/import")
async def import_file(view: Finance) -> Response:
    """Preview (a dry run) or import the file; the answer shows what became of each line."""
    form = await view.form()
    try:
        data, content = await _upload(form)
        made = await view.act(bankimport.upload, form=form, data=data, content=content)
    except (DomainError, WorkflowError) as error:
        return _import_page(view, refusal(error))
    return _import_page(view, report=BankImportOut.model_validate(made))


# --- The queue --------------------------------------------------------------------------------


@router.get("/bank-lines")
async def queue(
    view: Finance,
    state: Annotated[
        str | None, Query(max_length=16, pattern=r"^(unmatched|matched|ignored)?$")
    ] = ("unmatched"),
    customer: Annotated[str | None, Query(max_length=32)] = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> HTMLResponse:
    """Bank lines by state (waiting ones first shown), oldest value date first."""
    filters = {"state": state or "", "customer": (customer or "").strip()}
    found = await view.read(
        bankqueries.search,
        state=filters["state"] or None,
        customer_code=filters["customer"] or None,
        limit=PAGE + 1,
        offset=offset,
    )
    following = None
    if len(found) > PAGE:
        query = "&".join(f"{k}={v}" for k, v in filters.items())
        following = f"/web/bank-lines?{query}&offset={offset + PAGE}"
    return view.render(
        "payments/bank_lines.html",
        lines=found[:PAGE],
        filters=filters,
        states=STATES,
        following=following,
    )


# --- One line ---------------------------------------------------------------------------------


async def line_page(
    view: Page, line_id: int, error: DomainError | None = None, values: dict[str, str] | None = None
) -> HTMLResponse:
    line = await view.read(bankqueries.get, line_id=line_id)
    shown = {
        "line": line,
        **await view.document("bank_line", line.id, line.state),
        "values": values or {},
        "words": WORDS,
    }
    return view.show("payments/bank_line.html", error, **shown)


@router.get("/bank-lines/{line_id}")
async def one(line_id: PathId, view: Finance) -> HTMLResponse:
    return await line_page(view, line_id)


def _match_in(form: FormData) -> tuple[BankMatchIn, list[int]]:
    """The match the form describes: the customer, the statement chosen (if any), and the
    invoice rows given an amount as the remittance; and the form's row of each."""
    rows: list[int] = []
    remittance = []
    for row in range(MAX_ROWS):
        number = str(form.get(f"alloc[{row}].invoice_no") or "").strip()
        amount = str(form.get(f"alloc[{row}].amount") or "").strip()
        if not number:
            break
        if amount and amount not in {"0", "0.0", "0.00"}:
            rows.append(row)
            remittance.append({"invoice_no": number, "amount": amount})
    body: dict[str, Any] = {
        "customer_code": str(form.get("customer_code") or "").strip(),
        "statement_no": str(form.get("statement_no") or "").strip() or None,
        "remittance": remittance,
        "note": str(form.get("note") or "").strip(),
    }
    try:
        return BankMatchIn.model_validate(body), rows
    except ValidationError as error:
        raise FormRefused([input_error(e) for e in error.errors()]) from None


@router.post("/bank-lines/{line_id}/match")
async def match(line_id: PathId, view: Finance) -> Response:
    form = await view.form()
    rows: list[int] = []
    try:
        version = shown_version(form)
        data, rows = _match_in(form)
        await view.act(
            at_version(banklines.match), form=form, data=data, line_id=line_id, version=version
        )
    except (DomainError, WorkflowError) as error:
        shown = on_rows(refusal(error), rows, sent="remittance", shown="alloc")
        return await line_page(view, line_id, shown, typed(form))
    return view.go(f"/web/bank-lines/{line_id}", "bank.done.match")


@router.post("/bank-lines/{line_id}/ignore")
async def ignore(line_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        data = parse(BankIgnoreIn, without(form, "version"))
        await view.act(
            at_version(banklines.ignore), form=form, data=data, line_id=line_id, version=version
        )
    except (DomainError, WorkflowError) as error:
        return await line_page(view, line_id, refusal(error), typed(form))
    return view.go(f"/web/bank-lines/{line_id}", "bank.done.ignore")


@router.post("/bank-lines/{line_id}/reopen")
async def reopen(line_id: PathId, view: Finance) -> Response:
    form = await view.form()
    try:
        version = shown_version(form)
        await view.act(
            at_version(banklines.reopen),
            form=form,
            line_id=line_id,
            version=version,
        )
    except (DomainError, WorkflowError) as error:
        return await line_page(view, line_id, refusal(error), typed(form))
    return view.go(f"/web/bank-lines/{line_id}", "bank.done.reopen")
