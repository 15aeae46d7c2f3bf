"""Request and response bodies of payments, deductions and applications of unapplied credit."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from service.schemas import (
    AllocationOut,
    Day,
    Id,
    Money,
    Name,
    Note,
    Reason,
    Request,
    Response,
    ShortCode,
)

_SPACE = re.compile(r"\s+")


def bank_reference(value: str) -> str:
    """The form a bank reference is stored and compared in: full-width characters as their
    ASCII forms (NFKC), no white space, capital letters."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", value)).upper()


BankReference = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    AfterValidator(bank_reference),
    Field(
        description="the bank's reference of the transfer (流水号); stored without spaces, in "
        "capitals and half-width: booked once",
        examples=["CMB20261201000123"],
    ),
]
# A positive amount of yuan, far inside a money column.
Amount = Annotated[Money, Field(gt=0, le=Decimal("10000000000.00"))]
DocumentNo = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
DeductionKind = Literal["discount_credit", "statement_adjustment"]
PaymentState = Literal["recorded", "reversed"]


class RemittanceLineIn(Request):
    """What the customer's remittance advice says it pays on one invoice."""

    invoice_no: DocumentNo
    amount: Amount


class DeductionRef(Request):
    """A deduction the customer made: a discount offset by receipt (收据冲账, R12) or a
    statement adjustment (rebate, price reduction, ...) confirmed on a statement."""

    kind: DeductionKind
    id: Id = Field(description="the discount credit's or the statement adjustment's id")


class PaymentIn(Request):
    """A payment received. Without `remittance` it is allocated to the customer's open invoices
    oldest due first (then oldest receipt, then number); with `statement_no` (a confirmed
    statement) to that statement's invoices, and the statement's counted discount offsets and
    adjustments come along as deductions. What is left is the customer's unapplied credit."""

    customer_code: ShortCode
    amount: Amount
    value_date: Day = Field(description="the business date the money arrived (not in the future)")
    payer: Name = Field(description="the paying account's holder as the bank shows it")
    bank_reference: BankReference
    statement_no: DocumentNo | None = None
    remittance: list[RemittanceLineIn] = Field(default_factory=list, max_length=500)
    deductions: list[DeductionRef] = Field(default_factory=list, max_length=100)
    note: Note = ""


class ReverseIn(Request):
    reason: Reason


class DeductionIn(Request):
    """A deduction recorded on its own (not with a payment)."""

    customer_code: ShortCode
    kind: DeductionKind
    id: Id
    day: Day


class CreditApplyIn(Request):
    """Unapplied credit applied to open invoices: as much as `amount` (default: all of it, as
    far as invoices are open), oldest due first or as `invoices` says."""

    amount: Amount | None = None
    invoices: list[RemittanceLineIn] = Field(default_factory=list, max_length=500)
    day: Day | None = Field(default=None, description="its business date (default: today)")
    note: Note = ""


class DeductionOut(Response):
    id: int
    customer_code: str
    kind: str
    source_id: int
    reference: str = Field(description="the discount's invoice or the adjustment's document")
    amount: Decimal
    day: date
    payment_no: str | None
    reversed_on: date | None
    allocations: list[AllocationOut]


class PaymentSummary(Response):
    id: int
    payment_no: str
    customer_code: str
    amount: Decimal
    value_date: date
    payer: str
    bank_reference: str
    state: str
    allocated: Decimal = Field(description="what it applied to invoices when recorded")
    unapplied: Decimal = Field(description="what it left as the customer's unapplied credit")


class PaymentOut(PaymentSummary):
    version: int
    statement_no: str | None
    note: str
    reversal_reason: str | None
    deductions: list[DeductionOut]
    allocations: list[AllocationOut] = Field(
        description="what it applied to each invoice, and what its reversal gave back"
    )
    recorded_by: str
    created_at: datetime
    allowed_triggers: list[str]


class CreditOut(Response):
    customer_code: str
    applied: Decimal = Field(description="what this application applied")
    unapplied: Decimal = Field(description="the customer's unapplied credit left")
    allocations: list[AllocationOut]


class CustomerCreditOut(Response):
    customer_code: str
    outstanding: Decimal = Field(description="what it owes on its invoices")
    unapplied: Decimal = Field(description="the credit held for it")
