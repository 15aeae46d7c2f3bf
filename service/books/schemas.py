"""Closing the books: request and response bodies."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from service.schemas import Day, Request, Response, Text


class ClosingIn(Request):
    """Close the books through a day (finance or admin); moving back is an admin's, with a
    reason."""

    through: Day = Field(description="the last day of the closed period; before today")
    reason: Text = Field(default="", description="why; required to move the closing back")
    seen_through: Day | None = Field(
        default=None,
        description="the closed-through day the caller saw (GET); when given and the books "
        "have moved since, refused (book.changed)",
    )


class ClosingOut(Response):
    """The closed period: no business date on or before `closed_through` is taken."""

    closed_through: date | None = Field(description="null when the books were never closed")
    closed_by: str | None
    closed_at: datetime | None
    reason: str


class ClosedPeriodOut(ClosingOut):
    history: list[ClosingOut] = Field(description="every move of the closing, newest first")
