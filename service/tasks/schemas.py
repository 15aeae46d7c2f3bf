"""Task request and response bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from service.schemas import Request, Response


class TaskOut(Response):
    id: int
    kind: str
    subject_type: str
    subject_id: int
    period: str
    owner_role: str
    title: str
    detail: dict[str, Any]
    due_at: datetime
    state: str
    assignee: str | None
    resolution: str
    version: int
    created_at: datetime
    closed_at: datetime | None


class TaskNote(Request):
    note: str = Field(default="", max_length=2000, description="what was done, or why")
