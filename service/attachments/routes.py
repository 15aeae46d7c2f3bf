"""Upload evidence (a signed receipt scan or photo) and read it back."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Depends, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session

from service.attachments import usecases
from service.errors import PayloadTooLarge
from service.http import Call, Ctx, CurrentActor, creating
from service.receipts.schemas import AttachmentRef

router = APIRouter(prefix="/attachments", tags=["attachments"])


@router.post(
    "",
    status_code=201,
    response_model=AttachmentRef,
    summary="Upload an evidence file; returns its id and SHA-256 checksum",
)
def upload(
    file: UploadFile,
    call: Annotated[Call, Depends(creating("logistics", "finance", "sales", "hq", "legal"))],
) -> JSONResponse:
    limit = call.ctx.settings.max_attachment_bytes
    content = file.file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the file is larger than {limit} bytes", field="file")

    def work(session: Session) -> object:
        attachment = usecases.store(
            session,
            actor=call.actor,
            filename=file.filename or "",
            max_bytes=limit,
            content_type=file.content_type or "",
            content=content,
        )
        session.flush()
        return AttachmentRef.model_validate(attachment).model_dump(mode="json")

    # Content-addressed: the same file always gets the same attachment, key or no key.
    return call.respond(
        work,
        body={"filename": file.filename, "sha256": hashlib.sha256(content).hexdigest()},
        status_code=201,
    )


@router.get("/{attachment_id}", response_model=AttachmentRef)
def metadata(attachment_id: int, ctx: Ctx, _actor: CurrentActor) -> AttachmentRef:
    with ctx.db.read() as session:
        return AttachmentRef.model_validate(usecases.get(session, attachment_id))


@router.get(
    "/{attachment_id}/content",
    response_class=Response,
    summary="The stored file, with its checksum in the ETag",
)
def content(attachment_id: int, ctx: Ctx, _actor: CurrentActor) -> Response:
    with ctx.db.read() as session:
        attachment = usecases.get(session, attachment_id, with_content=True)
        return Response(
            attachment.content,
            media_type=attachment.content_type,
            headers={
                "ETag": f'"{attachment.sha256}"',
                "Content-Disposition": f'attachment; filename="{attachment.filename}"',
            },
        )
