"""Order request and response bodies (money as decimal strings in JSON)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from service.rulesets.schemas import DecisionOut
from service.schemas import (
    MAX_QUANTITY,
    Code,
    Dated,
    Day,
    Id,
    Note,
    Reason,
    Request,
    Response,
    ShortCode,
)


class OrderLineIn(Request):
    item_code: Code = Field(description="the item model code (商品型号)")
    quantity: int = Field(
        gt=0, le=MAX_QUANTITY, description="ordered quantity, a positive whole number"
    )


class OrderCreate(Request):
    """A shipment request made from one customer purchase order (R1)."""

    customer_code: ShortCode
    customer_po_no: Code = Field(description="the customer's purchase order number (R1, R2)")
    dc_code: ShortCode = Field(description="the customer's receiving DC warehouse code (R1)")
    order_date: Day | None = Field(
        default=None, description="defaults to today's business date; prices are taken on it"
    )
    discount_order_no: Code | None = Field(
        default=None,
        description="discount/fee order number, needed where discounts go on the invoice",
    )
    note: Note = ""
    lines: list[OrderLineIn] = Field(min_length=1, max_length=100)


class OrderCancel(Dated):
    reason: Reason = Field(description="why the order is withdrawn; required")


class OrderApproval(Dated):
    """HQ's approval, optional: the day it was approved when entered late (not before the order
    date); the company order number takes that day's year (R4)."""


class OrderLineOut(Response):
    id: int
    line_no: int
    item_code: str
    item_name: str
    quantity: int
    unit_price: Decimal
    tax_rate: Decimal
    amount: Decimal


class OrderOut(Response):
    id: int
    state: str
    version: int
    customer_code: str
    customer_po_no: str
    company_order_no: str | None
    dc_code: str
    contract_no: str
    discount_order_no: str | None
    order_date: date
    note: str
    total_amount: Decimal
    created_by: str
    created_at: datetime
    imported: bool = Field(
        default=False,
        description="brought over from the old system at go-live (`o2c import`), not made here",
    )
    lines: list[OrderLineOut]
    allowed_triggers: list[str]


class CreditReason(Dated):
    """Finance's written reason for releasing or rejecting a held order (journalled), and the
    day it was decided when entered late."""

    reason: Reason = Field(description="why credit is released or refused; required")


class CreditDecisionOut(Response):
    """The credit check at approval: held for finance or not, why, and the rules' decision."""

    hold: bool
    reason: str
    decision: DecisionOut | None = Field(
        description="the credit_release decision with its explanation; null when none was made"
    )


class ApprovalOut(OrderOut):
    """The order after HQ's approval: `approved`, or `on_credit_hold` for finance to decide."""

    credit_decision: CreditDecisionOut


MAX_RELEASED = 500


class CreditHoldsRelease(Request):
    """Finance releases a selection of held orders with one written reason, all or none."""

    order_ids: list[Id] = Field(
        min_length=1,
        max_length=MAX_RELEASED,
        description=f"the orders on credit hold to release, each once (at most {MAX_RELEASED})",
    )
    versions: list[Id] | None = Field(
        default=None,
        max_length=MAX_RELEASED,
        description="optional: each order's version as you saw it (its ETag), in the same order; "
        "an order changed meanwhile refuses the whole selection",
    )
    reason: Reason = Field(description="why credit is released; journalled on every order")


class ReleasedOrderOut(Response):
    id: int
    state: str
    version: int
    company_order_no: str | None


class CreditHoldsReleased(Response):
    """The orders released, each approved with its company order number (R4)."""

    released: int
    orders: list[ReleasedOrderOut]


class CreditHoldOut(Response):
    """An order on credit hold, as finance's list shows it."""

    id: int
    version: int
    customer_code: str
    customer_name: str
    customer_po_no: str
    order_date: date
    total_amount: Decimal
    credit_limit: Decimal
