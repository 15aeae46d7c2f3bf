"""Request and response bodies of red-letter forms, red invoices and the use confirmation."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from service.schemas import Dated, Day, Id, Quantity, Reason, Request, Response

FormReason = Literal["issuing_error", "sales_return", "service_stopped", "sales_discount"]
# A positive amount taken back (yuan, two decimals), far inside a money column.
TakenBack = Annotated[
    Decimal,
    Field(gt=0, le=Decimal("10000000000.00"), max_digits=14, decimal_places=2),
    AfterValidator(lambda value: value.quantize(Decimal("0.01"))),
]
PlatformNo = Annotated[
    str,
    Field(
        pattern=r"^[0-9A-Za-z]{1,32}$",
        description="the number the tax platform gave the form (letters and digits)",
    ),
]
# The earliest and latest moment a buyer's initiation may carry: as the business dates' bounds.
FIRST_MOMENT = datetime(2000, 1, 1)
LAST_MOMENT = datetime(2099, 12, 31, 23, 59, 59)


def _bounded_moment(value: datetime) -> datetime:
    plain = value.replace(tzinfo=None)
    if not FIRST_MOMENT <= plain <= LAST_MOMENT:
        raise ValueError("must be between 2000-01-01 and 2099-12-31")
    return value


Moment = Annotated[datetime, AfterValidator(_bounded_moment)]


class UseConfirmation(Request):
    confirmed_on: Day = Field(
        description="the day the buyer confirmed use (用途确认) of the invoice"
    )


class FormLineIn(Request):
    blue_line_id: Id = Field(description="the blue invoice's line taken back")
    quantity: Quantity = Field(
        default=0, description="how many to take back (0 for a sales discount)"
    )
    amount: TakenBack | None = Field(
        default=None, description="for a sales discount only: the amount without tax taken back"
    )


class FormCreate(Dated):
    """A red-letter form; `business_date`: the day it was drawn up (not before the blue
    invoice's fapiao date)."""

    invoice_id: Id | None = Field(default=None, description="the blue invoice")
    reason: FormReason | None = None
    lines: list[FormLineIn] = Field(default_factory=list, max_length=200)
    from_return: Id | None = Field(
        default=None,
        description="a return credited by red-letter invoice: its received lines, reason "
        "sales_return",
    )


class FormSubmit(Request):
    platform_no: PlatformNo | None = None


class FormFromBuyer(Request):
    platform_no: PlatformNo
    initiated_at: Moment = Field(
        description="when the buyer initiated it on the platform (without a zone: Asia/Shanghai)"
    )


class FormReasonIn(Request):
    reason: Reason


class FormLineOut(Response):
    line_no: int
    blue_line_id: int
    item_code: str
    quantity: int
    amount: Decimal
    tax: Decimal


class FormOut(Response):
    id: int
    form_no: str
    platform_no: str | None
    customer_code: str
    blue_invoice_id: int
    blue_invoice_no: str
    return_id: int | None
    reason: str
    initiator: str
    state: str
    version: int
    initiated_at: datetime | None
    expires_at: datetime | None
    answered_at: datetime | None
    void_reason: str
    amount: Decimal = Field(description="what the red invoice takes back, without tax (positive)")
    tax: Decimal
    total: Decimal
    red_invoice_id: int | None
    created_by: str
    created_at: datetime
    lines: list[FormLineOut]
    allowed_triggers: list[str]
