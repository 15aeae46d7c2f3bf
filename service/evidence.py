"""Evidence files (signed receipt scans, certificates, approval reports): stored once by content.

Shared by every feature that asks for evidence; uploading and downloading them over HTTP is the
attachments feature. Files live in the database with their SHA-256 checksum, so the same file
uploaded twice is stored once.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import LargeBinary, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, deferred, mapped_column, undefer

from service.db import Base, UTCDateTime, utcnow
from service.errors import Invalid, NotFound, PayloadTooLarge

ACCEPTED_TYPES = (
    "application/pdf",
    "image/jpeg",
    "image/png",
    "image/tiff",
    "image/webp",
    "image/heic",
)


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def _printable(name: str) -> str:
    """A file name as people see it: no control characters (NUL is refused by PostgreSQL)."""
    return "".join(c for c in name if c.isprintable()).strip()


def store(
    session: Session,
    *,
    uploaded_by: str,
    filename: str,
    content_type: str,
    content: bytes,
    max_bytes: int,
) -> Attachment:
    """Keep a file (the same content is stored once); refused when empty, too big, not a scan."""
    if not content:
        raise Invalid("evidence.empty", field="file")
    if len(content) > max_bytes:
        raise PayloadTooLarge("evidence.too_large", field="file", size=len(content), max=max_bytes)
    base_type = content_type.split(";", maxsplit=1)[0].strip().lower()
    if base_type not in ACCEPTED_TYPES:
        raise Invalid(
            "evidence.type_not_accepted",
            field="file",
            content_type=base_type or "-",
            accepted=list(ACCEPTED_TYPES),
        )
    sha256 = hashlib.sha256(content).hexdigest()
    existing = session.scalar(select(Attachment).where(Attachment.sha256 == sha256))
    if existing is not None:
        return existing
    attachment = Attachment(
        sha256=sha256,
        size=len(content),
        content_type=base_type,
        filename=_printable(filename)[:255] or "evidence",
        content=content,
        uploaded_by=uploaded_by,
    )
    try:
        with session.begin_nested():
            session.add(attachment)
    except IntegrityError:
        # The same file was uploaded at the same moment by someone else.
        return session.scalars(select(Attachment).where(Attachment.sha256 == sha256)).one()
    return attachment


def get(
    session: Session,
    attachment_id: int,
    *,
    with_content: bool = False,
    field: str = "attachment_id",
) -> Attachment:
    stmt = select(Attachment).where(Attachment.id == attachment_id)
    if with_content:
        stmt = stmt.options(undefer(Attachment.content))
    attachment = session.scalar(stmt)
    if attachment is None:
        raise NotFound("evidence.not_found", field=field, attachment_id=attachment_id)
    return attachment


def named(session: Session, attachment_id: int, field: str) -> int:
    """An uploaded file a request body names; refused naming the field when there is none."""
    if session.get(Attachment, attachment_id) is None:
        raise Invalid("evidence.not_found", field=field, attachment_id=attachment_id)
    return attachment_id
