"""Master data request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from service.schemas import (
    AddressCode,
    Code,
    Day,
    Money,
    Name,
    Price,
    Rate,
    Reason,
    Request,
    Response,
    ShortCode,
    TaxNumber,
    Text,
)

Grade = Literal["A", "B", "C"]
# How a version of payment terms counts its due date (service/duedates.py, R19).
# (monthly_day first: a body made of each field's first value is then valid.)
Basis = Literal["monthly_day", "receipt", "month_end"]
NonWorking = Literal["keep", "next", "previous"]
# Where a customer is made or changed its terms' basis is its `settlement_kind`; the old code
# `term_from_receipt` is still accepted and means `receipt`.
OLD_RECEIPT_BASIS = "term_from_receipt"


def _basis(kind: str) -> str:
    return "receipt" if kind == OLD_RECEIPT_BASIS else kind


SettlementKind = Annotated[
    Literal["monthly_day", "receipt", "month_end", "term_from_receipt"],
    AfterValidator(_basis),
    Field(description="receipt, month_end (月结) or monthly_day; term_from_receipt = receipt"),
]
TermDays = Annotated[int, Field(ge=0, le=365, description="days of the payment term (账期)")]
DayOfMonth = Annotated[
    int, Field(ge=1, le=31, description="the settlement day; 31 = the last day of a short month")
]
InvoiceDelivery = Literal["branch", "settlement_centre"]
DiscountMode = Literal["on_invoice", "receipt_offset", "red_letter"]
ReturnCreditMethod = Literal["red_letter", "customer_blue_invoice", "next_invoice_deduction"]


class WarehouseIn(Request):
    code: ShortCode
    name: Name
    address: Text = ""


class WarehouseOut(Response):
    code: str
    name: str
    address: str


def _one_each(methods: list[ReturnCreditMethod]) -> list[ReturnCreditMethod]:
    return list(dict.fromkeys(methods))


ReturnCreditMethods = Annotated[
    list[ReturnCreditMethod], Field(max_length=3), AfterValidator(_one_each)
]
Branch = Annotated[
    Text, Field(max_length=100, description="the supplier branch that serves the customer")
]


def _consistent_terms(
    settlement_kind: str, settlement_day: int | None, delivery: str, address: str | None
) -> None:
    if settlement_kind == "monthly_day" and settlement_day is None:
        raise PydanticCustomError(
            "customer.settlement_day_required",
            "settlement_day is required when settlement_kind is monthly_day",
        )
    if settlement_kind != "monthly_day" and settlement_day is not None:
        raise PydanticCustomError(
            "customer.settlement_day_only_monthly",
            "settlement_day is only for settlement_kind monthly_day",
        )
    if delivery == "settlement_centre" and not address:
        raise PydanticCustomError(
            "customer.settlement_centre_address_required",
            "settlement_centre_address is required when invoices go to the settlement centre",
        )


class CustomerIn(Request):
    code: AddressCode
    name: Name
    tax_no: TaxNumber = ""
    branch: Branch = ""
    grade: Grade
    credit_limit: Money = Field(ge=0)
    # The customer's first payment terms (R19), in force for everything it receives until a
    # newer version (POST /customers/{code}/terms).
    payment_term_days: TermDays
    settlement_kind: SettlementKind
    settlement_day: DayOfMonth | None = None
    non_working: NonWorking = Field(
        default="keep", description="a due date on a day off: keep it, next or previous working day"
    )
    reconciliation_lead_days: int = Field(default=3, ge=1, le=15)
    invoice_delivery: InvoiceDelivery = "branch"
    settlement_centre_address: Text | None = None
    discount_mode: DiscountMode = "on_invoice"
    return_credit_methods: ReturnCreditMethods = ["red_letter"]  # noqa: RUF012 (copied per instance)
    warehouses: list[WarehouseIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> CustomerIn:
        _consistent_terms(
            self.settlement_kind,
            self.settlement_day,
            self.invoice_delivery,
            self.settlement_centre_address,
        )
        return self


class CustomerUpdate(Request):
    """Everything HQ keeps about a customer but its code: send back what you read, changed
    (with its version as If-Match). DCs are matched by code: a new code adds a DC, a known one
    takes the new name and address, a missing one is removed (refused while orders use it)."""

    name: Name
    tax_no: TaxNumber
    branch: Branch
    grade: Grade
    credit_limit: Money = Field(ge=0)
    # The terms in force today: changed, they become a new version in force from today.
    payment_term_days: TermDays
    settlement_kind: SettlementKind
    settlement_day: DayOfMonth | None
    non_working: NonWorking | None = Field(
        default=None, description="absent: as the terms in force today say"
    )
    reconciliation_lead_days: int = Field(ge=1, le=15)
    invoice_delivery: InvoiceDelivery
    settlement_centre_address: Text | None
    discount_mode: DiscountMode
    return_credit_methods: ReturnCreditMethods
    warehouses: list[WarehouseIn] = Field(max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> CustomerUpdate:
        _consistent_terms(
            self.settlement_kind,
            self.settlement_day,
            self.invoice_delivery,
            self.settlement_centre_address,
        )
        return self


class CustomerReason(Request):
    """Why HQ suspends or reactivates a customer (journalled)."""

    reason: Reason = Field(description="why; required")


class CustomerOut(Response):
    id: int
    code: str
    name: str
    tax_no: str
    branch: str
    grade: str
    credit_limit: Decimal
    payment_term_days: int = Field(description="the payment terms in force today (R19)")
    settlement_kind: str = Field(description="their basis: receipt, month_end or monthly_day")
    settlement_day: int | None
    non_working: str
    terms_effective_from: date = Field(description="the day the terms in force took effect")
    reconciliation_lead_days: int
    invoice_delivery: str
    settlement_centre_address: str | None
    discount_mode: str
    return_credit_methods: list[str]
    state: str
    version: int
    warehouses: list[WarehouseOut]
    allowed_triggers: list[str]


class ItemIn(Request):
    code: Code
    name: Name
    unit: Code = Field(default="台", max_length=16)
    tax_rate: Rate = Field(default=Decimal("0.1300"), ge=0, lt=1)


class ItemOut(Response):
    id: int
    code: str
    name: str
    unit: str
    tax_rate: Decimal


class ContractPriceIn(Request):
    item_code: Code
    unit_price: Price = Field(gt=0)


def _validity(valid_from: Day, valid_to: Day) -> None:
    if valid_from > valid_to:
        raise PydanticCustomError(
            "contract.valid_from_after_valid_to", "valid_from must not be after valid_to"
        )


ContractPrices = Annotated[list[ContractPriceIn], Field(min_length=1, max_length=2000)]


class ContractIn(Request):
    customer_code: ShortCode
    contract_no: Code
    valid_from: Day
    valid_to: Day
    discount_rate: Rate = Field(default=Decimal("0.0000"), ge=0, lt=1)
    rebate_terms: Text = ""
    prices_include_tax: bool = True
    prices: ContractPrices

    @model_validator(mode="after")
    def _valid(self) -> ContractIn:
        _validity(self.valid_from, self.valid_to)
        return self


class ContractUpdate(Request):
    """What HQ may change in a contract: send back what you read, changed (with its version as
    If-Match). `prices` is the whole price list: an item left out loses its price. Orders keep
    the prices they were made with; new prices apply to orders made from then on."""

    valid_from: Day
    valid_to: Day
    discount_rate: Rate = Field(ge=0, lt=1)
    rebate_terms: Text
    prices: ContractPrices

    @model_validator(mode="after")
    def _valid(self) -> ContractUpdate:
        _validity(self.valid_from, self.valid_to)
        return self


class ContractPriceOut(Response):
    item_code: str
    unit_price: Decimal


class ContractOut(Response):
    id: int
    customer_code: str
    contract_no: str
    valid_from: date
    valid_to: date
    discount_rate: Decimal
    rebate_terms: str
    prices_include_tax: bool
    prices: list[ContractPriceOut]
    state: str
    version: int
    allowed_triggers: list[str]


AttorneyName = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)
]
Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
Scope = Literal["reconcile", "collect"]


def _scopes(scope: list[Scope]) -> list[Scope]:
    """Each scope once, in one order: what a create answers is what a read returns."""
    return [s for s in ("reconcile", "collect") if s in scope]


class AttorneyIn(Request):
    """A power of attorney (授权委托书, R28): who may reconcile and/or collect at the customer,
    under which contract, from when to when; never longer than the contract."""

    attorney_name: AttorneyName
    id_number: Identifier | None = Field(default=None, description="ID card or passport number")
    phone: Identifier | None = None
    scope: Annotated[list[Scope], Field(min_length=1, max_length=2), AfterValidator(_scopes)]
    contract_no: Code | None = Field(
        default=None, description="default: the customer's contract in force on valid_from"
    )
    valid_from: Day | None = Field(default=None, description="default: today")
    valid_to: Day | None = Field(default=None, description="default: the contract's valid_to")

    @model_validator(mode="after")
    def _identified(self) -> AttorneyIn:
        if self.id_number is None and self.phone is None:
            raise PydanticCustomError(
                "attorney.identity_required", "an ID number or a phone number is required"
            )
        if self.valid_from and self.valid_to and self.valid_from > self.valid_to:
            raise PydanticCustomError(
                "attorney.valid_from_after_valid_to", "valid_from must not be after valid_to"
            )
        return self


class AttorneyReplace(AttorneyIn):
    """The successor of a power of attorney whose person changes, and why (R28)."""

    reason: Reason = Field(description="why the power of attorney is replaced; required")


class AttorneyRevoke(Request):
    reason: Reason = Field(description="why the power of attorney is withdrawn; required")


class AttorneyPersonLeft(Request):
    """The person named has left the customer (or will leave on `left_on`), as sales or HQ
    learnt it; HQ must replace the power of attorney (R28)."""

    left_on: Day | None = Field(default=None, description="default: today")
    note: Annotated[Text, Field(max_length=500)] = ""


class AttorneyOut(Response):
    id: int
    customer_code: str
    contract_no: str | None
    attorney_name: str
    id_number: str | None
    phone: str | None
    scope: list[str]
    valid_from: date
    valid_to: date
    state: str
    version: int
    revoked_at: datetime | None
    revocation_reason: str | None
    replaced_by_id: int | None
    person_left_on: date | None
    person_left_note: str | None
    allowed_triggers: list[str]


# --- payment terms (R19) --------------------------------------------------------------------


class TermsIn(Request):
    """A new version of a customer's payment terms: it applies to goods the customer receives
    from `effective_from` (until a later version's date)."""

    effective_from: Day
    basis: Basis
    days: TermDays
    day_of_month: DayOfMonth | None = Field(
        default=None,
        validate_default=True,
        description="only with basis monthly_day (required then)",
    )
    non_working: NonWorking = "keep"
    note: Annotated[Text, Field(max_length=500)] = ""

    @field_validator("day_of_month", mode="after")
    @classmethod
    def _with_its_basis(cls, day: int | None, info: ValidationInfo) -> int | None:
        """Refused as the field day_of_month (a wrong basis is refused as its own field)."""
        basis = info.data.get("basis")
        if basis == "monthly_day" and day is None:
            raise PydanticCustomError(
                "terms.day_of_month_required", "day_of_month is required with basis monthly_day"
            )
        if basis is not None and basis != "monthly_day" and day is not None:
            raise PydanticCustomError(
                "terms.day_of_month_only_monthly", "day_of_month is only for basis monthly_day"
            )
        return day


class TermsOut(Response):
    id: int | None = Field(description="none in a dry run")
    effective_from: date
    basis: str
    days: int
    day_of_month: int | None
    non_working: str
    note: str
    created_by: str
    created_at: datetime | None
    in_force: bool = Field(description="the version in force today")


class MovedInvoiceOut(Response):
    id: int
    invoice_no: str
    kind: str
    state: str
    term_start: date
    due_date_before: date | None
    due_date_after: date | None = Field(description="none while the calendar lacks its year")


class TermsChangeOut(Response):
    """What a new version does to the customer's open invoices (draft or receivable)."""

    dry_run: bool
    terms: TermsOut
    moved: int = Field(description="open invoices whose due date it changes")
    invoices: list[MovedInvoiceOut] = Field(description="the first 50 of them")
