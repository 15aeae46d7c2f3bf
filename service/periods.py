"""Closed periods: the books are closed through a day, and no business date on or before it is
taken any more (`period.closed`).

Shared plumbing because every use case that takes a business date checks it (`Context.dated`);
the books feature (`service.books`) closes and reopens. Each closing is a row, never changed: the
books are closed through the last row's day, and the rows are the audit of who moved it, when,
and (moving it backwards, admin only) why.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, UTCDateTime, utcnow


class BookClosing(Base):
    """One move of the closed period: the books closed through `closed_through` by `closed_by`
    at `closed_at`; `reason` says why it moved backwards (empty when it moved forward)."""

    __tablename__ = "book_closings"

    id: Mapped[int] = mapped_column(primary_key=True)
    closed_through: Mapped[date] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


def last_closing(session: Session) -> BookClosing | None:
    """The closing in force (the latest row), or None when the books were never closed."""
    return session.scalars(select(BookClosing).order_by(BookClosing.id.desc()).limit(1)).first()


def closed_through(session: Session) -> date | None:
    """The last day of the closed period, or None when the books were never closed."""
    closing = last_closing(session)
    return closing.closed_through if closing is not None else None
