"""Shared schema pieces: strict request models, normalised scalar types, the journal view.

Inputs are normalised where they enter (codes and text stripped, money to the fen, rates to four
places), so that what a create answers is what a later read returns.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

_FEN = Decimal("0.01")
_RATE = Decimal("0.0001")


def _fen(value: Decimal) -> Decimal:
    return value.quantize(_FEN)


def _rate(value: Decimal) -> Decimal:
    return value.quantize(_RATE)


# Yuan with at most two decimals, as stored: "1000" becomes "1000.00".
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2), AfterValidator(_fen)]
# A rate (VAT, discount) with at most four decimals: "0.1" becomes "0.1000".
Rate = Annotated[Decimal, Field(max_digits=6, decimal_places=4), AfterValidator(_rate)]


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


class AttachmentRef(Response):
    """An uploaded evidence file as documents refer to it."""

    id: int
    sha256: str
    filename: str
    content_type: str
    size: int
