"""Task request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from service.schemas import Note, Request, Response


class TaskOut(Response):
    id: int
    kind: str
    subject_type: str
    subject_id: int
    period: str
    owner_role: str
    title: str
    title_words: dict[str, Any] | None = Field(
        default=None,
        description="the title as message-catalog words: `code` and its `params` (none for "
        "tasks raised before titles had them)",
    )
    detail: dict[str, Any]
    due_at: datetime
    state: str
    assignee: str | None
    resolution: str
    version: int
    created_at: datetime
    closed_at: datetime | None
    allowed_triggers: list[str] = Field(default_factory=list)


class TaskNote(Request):
    note: Note = Field(default="", description="what was done, or why")
