"""Invoice request and response bodies."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import Field

from service.schemas import AllocationOut, Code, Dated, Day, Id, Name, Reason, Request, Response


class InvoiceCreate(Dated):
    """The draft invoice of a receipted order; `business_date` the day it was invoiced when
    entered late (not before the receipt date; its number takes that day's year)."""

    order_id: Id = Field(description="a receipted order; the invoice uses what was received")


class FollowUpCreate(Request):
    receipt_exception_id: Id = Field(
        description="a re-delivered shortage (R8): its follow-up receipt is invoiced on its own"
    )


class InvoiceIssue(Request):
    fapiao_no: str = Field(pattern=r"^\d{8,20}$", description="the number the tax system gave")
    fapiao_date: Day


class InvoiceSend(Request):
    sent_on: Day
    tracking_no: Code | None = None


class InvoiceSign(Request):
    signed_on: Day = Field(description="the date the customer signed for the invoice")
    signed_by: Name = Field(max_length=100, description="who signed at the customer")


class AbandonReissue(Request):
    reason: Reason = Field(
        description="why the reissue is given up (the customer accepts the invoice as it is, "
        "the resolution was wrong...); kept in the journal"
    )


class InvoiceLineOut(Response):
    id: int = Field(
        description="the line's id: a red-letter form names the blue lines it takes back"
    )
    line_no: int
    source: str = Field(
        description="goods, discount, carry_forward (owed from before), reversal, "
        "return_deduction (R24 c)"
    )
    item_code: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    tax_rate: Decimal
    tax: Decimal
    reverses_line_id: int | None = Field(
        description="a red or deduction line: the blue line it takes back"
    )
    return_id: int | None = Field(description="a return_deduction line: the return (R24 c)")


class InvoiceOut(Response):
    id: int
    invoice_no: str
    kind: str
    state: str
    version: int
    order_id: int
    customer_code: str
    remark: str
    prices_include_tax: bool
    amount: Decimal
    tax: Decimal
    total: Decimal
    discount_total: Decimal
    outstanding: Decimal = Field(
        default=Decimal("0.00"),
        description="what the customer still owes on this blue invoice: its total once issued, "
        "less its red invoices and what was applied to it (payments, deductions, credits); 0 on "
        "a red invoice",
    )
    sales_list: bool = Field(description="more lines than one VAT invoice holds: 销货清单 attached")
    fapiao_no: str | None
    fapiao_date: date | None
    delivery_route: str
    delivery_address: str
    sent_on: date | None
    tracking_no: str | None
    signed_on: date | None
    signed_by: str | None
    use_confirmed_on: date | None = Field(
        description="the day the buyer confirmed use (用途确认); until then a red-letter form "
        "needs no confirmation"
    )
    term_start: date | None = Field(
        default=None, description="the customer's receipt date its payment term counts from (R19)"
    )
    due_date: date | None = Field(
        default=None,
        description="when it falls due by the customer's terms; empty while the working-day "
        "calendar does not know the year it must move in",
    )
    original_id: int | None
    follow_up_of_id: int | None = Field(
        default=None, description="the re-delivered shortage (R8) a follow-up invoice bills"
    )
    reversed_by_id: int | None
    replaced_by_id: int | None
    created_by: str
    created_at: datetime
    imported: bool = Field(
        default=False,
        description="brought over from the old system at go-live (`o2c import`), not made here",
    )
    lines: list[InvoiceLineOut]
    allocations: list[AllocationOut] = Field(
        default_factory=list,
        description="what payments, deductions and credits applied to it (negative: taken back), "
        "and what of a red invoice its payments no longer covered",
    )
    allowed_triggers: list[str]
