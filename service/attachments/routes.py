"""Upload evidence (a signed receipt scan or photo) and read it back."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service import evidence
from service.context import Context
from service.errors import PayloadTooLarge
from service.http import Call, PathId, Reader, creating
from service.problems import Problem
from service.schemas import AttachmentRef, Request

router = APIRouter(prefix="/attachments", tags=["attachments"])
TOO_LARGE: dict[int | str, dict[str, Any]] = {
    413: {"model": Problem, "description": "The file is larger than the service takes"}
}


class Upload(Request):
    """What identifies an upload for its Idempotency-Key: the file's name and content."""

    filename: str | None
    sha256: str
    content_type: str


def _store(session: Session, ctx: Context, *, data: Upload, content: bytes) -> AttachmentRef:
    attachment = evidence.store(
        session,
        uploaded_by=ctx.actor.username,
        filename=data.filename or "",
        content_type=data.content_type,
        content=content,
        max_bytes=ctx.settings.max_attachment_bytes,
    )
    session.flush()
    return AttachmentRef.model_validate(attachment)


@router.post(
    "",
    status_code=201,
    responses=TOO_LARGE,
    summary="Upload an evidence file; returns its id and SHA-256 checksum",
)
async def upload(
    file: UploadFile,
    call: Annotated[Call, Depends(creating("logistics", "finance", "sales", "hq", "legal"))],
) -> AttachmentRef:
    limit = call.ctx.settings.max_attachment_bytes
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge("evidence.too_large", field="file", size=len(content), max=limit)
    # Content-addressed: the same file always gets the same attachment, key or no key.
    data = Upload(
        filename=file.filename,
        sha256=hashlib.sha256(content).hexdigest(),
        content_type=file.content_type or "",
    )
    return await call.run(_store, data=data, content=content)


def _metadata(session: Session, _ctx: Context, *, attachment_id: int) -> AttachmentRef:
    return AttachmentRef.model_validate(evidence.get(session, attachment_id))


@router.get("/{attachment_id}", summary="An uploaded file's name, type, size and checksum")
async def metadata(attachment_id: PathId, read: Reader) -> AttachmentRef:
    return await read.run(_metadata, attachment_id=attachment_id)


def _content(session: Session, _ctx: Context, *, attachment_id: int) -> Response:
    attachment = evidence.get(session, attachment_id, with_content=True)
    # Header values are Latin-1: the name goes as RFC 5987 UTF-8 (签收单.png), with an ASCII
    # stand-in for clients that do not read it.
    fallback = attachment.filename.encode("ascii", "replace").decode().replace('"', "_")
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(attachment.filename)}"
    )
    return Response(
        attachment.content,
        media_type=attachment.content_type,
        headers={"ETag": f'"{attachment.sha256}"', "Content-Disposition": disposition},
    )


@router.get(
    "/{attachment_id}/content",
    response_class=Response,
    summary="The stored file, with its checksum in the ETag",
)
async def content(attachment_id: PathId, read: Reader) -> Response:
    return await read.run(_content, attachment_id=attachment_id)
