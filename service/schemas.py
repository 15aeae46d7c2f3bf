"""Shared schema pieces: strict request models and the journal view."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class EventOut(Response):
    id: int
    entity_type: str
    entity_id: int
    trigger: str
    from_state: str | None
    to_state: str
    actor: str
    occurred_at: datetime
    payload: dict[str, Any]
    decisions: list[dict[str, Any]]
