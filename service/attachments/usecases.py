"""Store evidence files with their checksum; the same content is stored once."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, undefer

from service.attachments.models import Attachment
from service.auth.tokens import Actor
from service.errors import Invalid, NotFound, PayloadTooLarge

ACCEPTED_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "image/webp",
    "image/heic",
)


def store(
    session: Session,
    *,
    actor: Actor,
    filename: str,
    content_type: str,
    content: bytes,
    max_bytes: int,
) -> Attachment:
    if not content:
        raise Invalid("the file is empty", field="file")
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"the file has {len(content)} bytes; at most {max_bytes} are accepted", field="file"
        )
    base_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if base_type not in ACCEPTED_TYPES:
        raise Invalid(
            f"content type {base_type or 'missing'} is not accepted; send a scan or photo "
            f"({', '.join(ACCEPTED_TYPES)})",
            field="file",
        )
    sha256 = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(Attachment).where(Attachment.sha256 == sha256))
    if existing is not None:
        return existing
    attachment = Attachment(
        sha256=sha256,
        size=len(content),
        content_type=base_type,
        filename=(filename or "evidence")[:255],
        content=content,
        uploaded_by=actor.username,
    )
    try:
        with session.begin_nested():
            session.add(attachment)
    except IntegrityError:
        # The same file was uploaded at the same moment by someone else.
        return session.scalars(select(Attachment).where(Attachment.sha256 == sha256)).one()
    return attachment


def get(session: Session, attachment_id: int, *, with_content: bool = False) -> Attachment:
    stmt = select(Attachment).where(Attachment.id == attachment_id)
    if with_content:
        stmt = stmt.options(undefer(Attachment.content))
    attachment = session.scalar(stmt)
    if attachment is None:
        raise NotFound(f"no attachment {attachment_id}", field="attachment_id")
    return attachment
