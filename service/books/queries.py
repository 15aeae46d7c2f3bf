"""The closed period as the API shows it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.books.schemas import ClosedPeriodOut, ClosingOut
from service.context import Context
from service.periods import BookClosing

HISTORY_MAX = 50


def closing_out(closing: BookClosing | None) -> ClosingOut:
    if closing is None:
        return ClosingOut(closed_through=None, closed_by=None, closed_at=None, reason="")
    return ClosingOut.model_validate(closing)


def closed_period(session: Session, _ctx: Context | None = None) -> ClosedPeriodOut:
    """The closing in force and its latest moves."""
    stmt = select(BookClosing).order_by(BookClosing.id.desc()).limit(HISTORY_MAX)
    moves = list(session.scalars(stmt))
    current = closing_out(moves[0] if moves else None)
    return ClosedPeriodOut(**current.model_dump(), history=[closing_out(m) for m in moves])
