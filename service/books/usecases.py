"""Closing the books through a day.

Finance (or an admin) closes the books through a day before today: from then on no business
date on or before it is taken (`period.closed`). The closing never moves back, except by an
admin giving a reason; every move is a row (who, when, why). Closings queue on one counter row,
so two at once do not both pass the checks.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.books.queries import closed_period
from service.books.schemas import ClosedPeriodOut, ClosingIn
from service.context import Context
from service.errors import Conflict, Forbidden, Invalid
from service.numbering import next_number
from service.periods import BookClosing, closed_through

QUEUE = "book-closings"


def close(session: Session, ctx: Context, *, data: ClosingIn) -> ClosedPeriodOut:
    """Move the closed period to `data.through` (see the module's docstring)."""
    next_number(session, QUEUE)  # holds the counter's row: closings queue here
    current = closed_through(session)
    if data.seen_through is not None and data.seen_through != current:
        raise Conflict(
            "book.changed",
            field="seen_through",
            seen_through=data.seen_through.isoformat(),
            closed_through=current.isoformat() if current else "-",
        )
    if data.through >= ctx.today:
        raise Invalid(
            "book.close_not_past",
            field="through",
            through=data.through.isoformat(),
            today=ctx.today.isoformat(),
        )
    if current is not None and data.through < current:
        if "admin" not in ctx.actor.roles:
            raise Forbidden(
                "book.reopen_admin_only",
                field="through",
                through=data.through.isoformat(),
                closed_through=current.isoformat(),
            )
        if not data.reason:
            raise Invalid("book.reopen_reason_required", field="reason")
    if data.through != current:
        session.add(
            BookClosing(
                closed_through=data.through, closed_by=ctx.actor.username, reason=data.reason
            )
        )
        session.flush()
    return closed_period(session)
