"""Shared schema pieces: strict request models, bounded and normalised scalar types, the journal
view.

Every input is bounded where it enters, the same way on both databases: ids fit the columns'
integers, quantities and prices stay far inside what the money columns hold once multiplied,
dates are business dates of this century, text has the length of its column and no NUL
character (PostgreSQL refuses it, SQLite would store it). Inputs are also normalised (codes and
text stripped, money to the fen, rates to four places), so that what a create answers is what a
later read returns.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)
from pydantic_core import PydanticCustomError

# The largest id the integer columns hold on PostgreSQL (and far below SQLite's).
MAX_ID = 2**31 - 1
# A line's quantity: a retail chain's order is in thousands, never in billions.
MAX_QUANTITY = 1_000_000
# A unit price in yuan: with MAX_QUANTITY, a line stays far inside a money column.
MAX_PRICE = Decimal("100000000.00")
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _written_as_a_day(value: Any) -> Any:
    """A business date is written YYYY-MM-DD; a number is not a date (Pydantic would take it
    as seconds since 1970)."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value.strip()):
        return value.strip()
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise PydanticCustomError("input.date_type", "must be a date (YYYY-MM-DD)")


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Quantity = Annotated[int, Field(ge=0, le=MAX_QUANTITY)]
Day = Annotated[
    date,
    BeforeValidator(_written_as_a_day),
    Field(ge=FIRST_DAY, le=LAST_DAY, json_schema_extra={"format": "date"}),
]

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# Codes of customers and their DCs are shorter (their columns hold 32 characters).
ShortCode = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


def _in_one_path_segment(value: str) -> str:
    if "/" in value:
        raise PydanticCustomError(
            "input.code_with_slash", "must not contain '/' (the code is part of web addresses)"
        )
    return value


# A code that names a document in web addresses (`/customers/{code}`): a '/' would split it.
AddressCode = Annotated[
    ShortCode,
    AfterValidator(_in_one_path_segment),
    Field(json_schema_extra={"pattern": "^[^/]+$"}),
]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]

# A taxpayer identification number (纳税人识别号), the seller's and a customer's: empty when not
# recorded; otherwise the 18-character unified social credit code (统一社会信用代码: two
# characters of the registering authority and kind, the six-digit division code, ten of the
# organisation code and its check character, in digits and capital letters but I, O, S, V and
# Z), or a taxpayer number of the older kind, 15, 17 or 20 digits and capital letters. Only the
# form is checked, not the check character.
TAX_NUMBER = re.compile(
    r"^(?:[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}"
    r"|[0-9A-Z]{15}|[0-9A-Z]{17}|[0-9A-Z]{20})?$"
)


def _tax_number(value: str) -> str:
    if not TAX_NUMBER.fullmatch(value):
        raise PydanticCustomError(
            "input.tax_number",
            "must be an 18-character unified social credit code, or a taxpayer number of 15, 17"
            " or 20 digits and capital letters",
        )
    return value


TaxNumber = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=20),
    AfterValidator(_tax_number),
    Field(
        description="taxpayer identification number (纳税人识别号), empty when not recorded: "
        "an 18-character unified social credit code (统一社会信用代码, digits and capital "
        "letters but I, O, S, V, Z) or an older taxpayer number of 15, 17 or 20 digits and "
        "capital letters",
        examples=["91310114MA1HDQ001L"],
        json_schema_extra={"pattern": TAX_NUMBER.pattern},
    ),
]

_FEN = Decimal("0.01")
_RATE = Decimal("0.0001")


def _fen(value: Decimal) -> Decimal:
    return value.quantize(_FEN)


def _rate(value: Decimal) -> Decimal:
    return value.quantize(_RATE)


# Yuan with at most two decimals, as stored: "1000" becomes "1000.00".
Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2), AfterValidator(_fen)]
# A unit price: positive money up to MAX_PRICE.
Price = Annotated[
    Decimal, Field(ge=0, le=MAX_PRICE, max_digits=11, decimal_places=2), AfterValidator(_fen)
]
# A rate (VAT, discount) with at most four decimals: "0.1" becomes "0.1000".
Rate = Annotated[Decimal, Field(max_digits=6, decimal_places=4), AfterValidator(_rate)]


def _without_nul(value: Any) -> Any:
    if isinstance(value, str) and "\x00" in value:
        raise PydanticCustomError("input.nul_character", "must not contain NUL characters")
    if isinstance(value, list | tuple):
        for item in value:
            _without_nul(item)
    return value


class Request(BaseModel):
    """Base of request bodies: unknown fields are refused, not ignored; no text carries NUL."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return _without_nul(value)


BUSINESS_DATE = (
    "the business date it happened on, when entered late (default today): not in the future, "
    "not in a closed period, not before the document's previous step"
)


class Dated(Request):
    """A request that may be entered late: the business date it happened on."""

    business_date: Day | None = Field(default=None, description=BUSINESS_DATE)


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
    occurred_at: datetime = Field(description="when it was recorded")
    business_date: date | None = Field(
        description="the business day it happened on (given late, before the day recorded); "
        "null for events journaled before business dates were kept"
    )
    payload: dict[str, Any]
    decisions: list[dict[str, Any]]


class AllocationOut(Response):
    """An amount applied to an invoice by a payment, deduction, credit or their reversal
    (negative: given back), from the receivables ledger."""

    invoice_no: str
    kind: str = Field(description="what applied it: payment, deduction, credit_application, ...")
    reference: str = Field(description="the document that applied it (payment number, ...)")
    amount: Decimal
    day: date = Field(description="its business date")


class AttachmentRef(Response):
    """An uploaded evidence file as documents refer to it."""

    id: int
    sha256: str
    filename: str
    content_type: str
    size: int
