"""Master data request and response bodies."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from service.schemas import Code, Day, Money, Name, Price, Rate, Request, Response, ShortCode, Text

Grade = Literal["A", "B", "C"]
ReturnCreditMethod = Literal["red_letter", "customer_blue_invoice", "next_invoice_deduction"]


class WarehouseIn(Request):
    code: ShortCode
    name: Name
    address: Text = ""


class WarehouseOut(Response):
    code: str
    name: str
    address: str


class CustomerIn(Request):
    code: ShortCode
    name: Name
    branch: Text = Field(
        default="", max_length=100, description="the supplier branch that serves the customer"
    )
    grade: Grade
    credit_limit: Money = Field(ge=0)
    payment_term_days: int = Field(ge=0, le=365)
    settlement_kind: Literal["monthly_day", "term_from_receipt"]
    settlement_day: int | None = Field(default=None, ge=1, le=28)
    reconciliation_lead_days: int = Field(default=3, ge=1, le=15)
    invoice_delivery: Literal["branch", "settlement_centre"] = "branch"
    settlement_centre_address: Text | None = None
    discount_mode: Literal["on_invoice", "receipt_offset", "red_letter"] = "on_invoice"
    return_credit_methods: list[ReturnCreditMethod] = ["red_letter"]  # noqa: RUF012 (copied per instance)
    warehouses: list[WarehouseIn] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _consistent(self) -> CustomerIn:
        if self.settlement_kind == "monthly_day" and self.settlement_day is None:
            raise PydanticCustomError(
                "customer.settlement_day_required",
                "settlement_day is required when settlement_kind is monthly_day",
            )
        if self.invoice_delivery == "settlement_centre" and not self.settlement_centre_address:
            raise PydanticCustomError(
                "customer.settlement_centre_address_required",
                "settlement_centre_address is required when invoices go to the settlement centre",
            )
        return self


class CustomerOut(Response):
    id: int
    code: str
    name: str
    branch: str
    grade: str
    credit_limit: Decimal
    payment_term_days: int
    settlement_kind: str
    settlement_day: int | None
    reconciliation_lead_days: int
    invoice_delivery: str
    settlement_centre_address: str | None
    discount_mode: str
    return_credit_methods: list[str]
    status: str
    warehouses: list[WarehouseOut]


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


class ContractIn(Request):
    customer_code: ShortCode
    contract_no: Code
    valid_from: Day
    valid_to: Day
    discount_rate: Rate = Field(default=Decimal("0.0000"), ge=0, lt=1)
    rebate_terms: Text = ""
    prices_include_tax: bool = True
    prices: list[ContractPriceIn] = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _validity(self) -> ContractIn:
        if self.valid_from > self.valid_to:
            raise PydanticCustomError(
                "contract.valid_from_after_valid_to", "valid_from must not be after valid_to"
            )
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
