"""A file sent with a page's form: read within the attachment limit, refused as
`POST /attachments` refuses it, and identified by its checksum (for the form's Idempotency key)."""

from __future__ import annotations

import hashlib

from starlette.datastructures import FormData, UploadFile

from service.errors import Invalid, PayloadTooLarge
from service.schemas import Note, Request
from service.web.pages import Page

FILE = "file"


class Upload(Request):
    """What identifies an uploaded file for the form's key (its content by its checksum), with
    the note the form gave it."""

    filename: str
    sha256: str
    content_type: str
    note: Note = ""


async def read_upload(view: Page, form: FormData, *, field: str = FILE) -> tuple[Upload, bytes]:
    """The file sent as `field` with its content; refused when there is none or it is too large."""
    file = form.get(field)
    if not isinstance(file, UploadFile) or not file.filename:
        raise Invalid("evidence.empty", field=field)
    limit = view.runtime.settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("evidence.too_large", field=field, size=len(content), max=limit)
    data = Upload(
        filename=file.filename,
        sha256=hashlib.sha256(content).hexdigest(),
        content_type=file.content_type or "",
        note=str(form.get("note") or ""),
    )
    return data, content
