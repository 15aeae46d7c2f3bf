"""HTTP routes: importing a bank statement file, and the lines waiting for finance."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from starlette.datastructures import UploadFile

from service.errors import Invalid
from service.http import Call, Limit, Offset, PathId, creating, reading, trigger
from service.http import Read as ReadCall
from service.payments import bankimport, banklines, bankqueries
from service.payments.bankfile import file_name as kept_name
from service.payments.bankschemas import (
    BankIgnoreIn,
    BankImportOut,
    BankLineOut,
    BankLineState,
    BankLineSummary,
    BankMatchIn,
    BankUpload,
)
from service.problems import Problem
from service.schemas import Code, EventOut

router = APIRouter(tags=["bank statements"])
Importer = Annotated[Call, Depends(creating("finance"))]
Reader = Annotated[ReadCall, Depends(reading("finance"))]
FILE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The file is larger than a statement file may be"}
}


async def _content(request: Request, name: str | None) -> tuple[str, bytes]:
    """The file sent as a multipart `file` or as the body itself (text/csv), within the limit."""
    limit = bankimport.MAX_FILE_BYTES
    kind = request.headers.get("content-type", "")
    if kind.startswith("multipart/form-data"):
        form = await request.form(max_files=1, max_fields=10)
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise Invalid("bank.file.missing", field="file")
        content = await upload.read(limit + 1)
        name = name or upload.filename
    else:
        content = b""
        async for chunk in request.stream():
            content += chunk
            if len(content) > limit:
                break
    if len(content) > limit:
        raise bankimport.too_large(len(content))
    if not content:
        raise Invalid("bank.file.missing", field="file")
    return kept_name(name), content


@router.post(
    "/bank-statements",
    status_code=201,
    responses=TOO_LARGE,
    openapi_extra=FILE_BODY,
    summary="Import a bank statement CSV: each credit line stored once and matched when certain",
)
async def import_statement(
    request: Request,
    call: Importer,
    dry_run: bool = False,
    file_name: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> BankImportOut:
    name, content = await _content(request, file_name)
    data = BankUpload(file=name, sha256=hashlib.sha256(content).hexdigest(), dry_run=dry_run)
    return await call.run(bankimport.upload, data=data, content=content)


@router.get("/bank-lines", summary="Bank statement lines, oldest value date first (paged)")
async def list_lines(
    read: Reader,
    state: BankLineState | None = None,
    customer_code: Code | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[BankLineSummary]:
    return await read.run(
        bankqueries.search, state=state, customer_code=customer_code, limit=limit, offset=offset
    )


@router.get(
    "/bank-lines/{line_id}",
    summary="A bank statement line with its candidates: customers, open invoices, statements",
)
async def get_line(line_id: PathId, read: Reader) -> BankLineOut:
    return await read.run(bankqueries.get, line_id=line_id, etag=True)


@router.get("/bank-lines/{line_id}/history", summary="Every step of the bank statement line")
async def line_history(line_id: PathId, read: Reader) -> list[EventOut]:
    return await read.run(bankqueries.history, line_id=line_id)


@router.post(
    "/bank-lines/{line_id}/match",
    summary="Book the payment of a waiting line for the customer, statement or invoices named",
)
async def match_line(
    line_id: PathId, body: BankMatchIn, call: Annotated[Call, trigger("bank_line", "match")]
) -> BankLineOut:
    return await call.run(banklines.match, line_id=line_id, data=body)


@router.post("/bank-lines/{line_id}/ignore", summary="Not a customer payment: out of the queue")
async def ignore_line(
    line_id: PathId, body: BankIgnoreIn, call: Annotated[Call, trigger("bank_line", "ignore")]
) -> BankLineOut:
    return await call.run(banklines.ignore, line_id=line_id, data=body)


@router.post("/bank-lines/{line_id}/reopen", summary="An ignored line back in the queue")
async def reopen_line(
    line_id: PathId, call: Annotated[Call, trigger("bank_line", "reopen")]
) -> BankLineOut:
    return await call.run(banklines.reopen, line_id=line_id)
