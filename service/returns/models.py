"""Returns, their lines, and the customer's blue invoice recorded against a return (R24 b)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, UTCDateTime, utcnow
from service.masterdata.models import Customer, Item, Rate
from service.orders.models import Order

REASONS = ("defective", "slow_moving", "wrong_model", "other")
CREDIT_METHODS = ("red_letter", "customer_blue_invoice", "next_invoice_deduction")


class Return(Base):
    """A customer's return against one invoiced order, credited once by one method (R24)."""

    __machine__: ClassVar[str] = "return"
    __tablename__ = "returns"
    __table_args__ = (
        CheckConstraint(
            "reason IN ('defective', 'slow_moving', 'wrong_model', 'other')",
            name="ck_returns_reason",
        ),
        CheckConstraint(
            "credit_method IS NULL OR credit_method IN "
            "('red_letter', 'customer_blue_invoice', 'next_invoice_deduction')",
            name="ck_returns_credit_method",
        ),
        Index("ix_returns_customer_state", "customer_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    # The blue invoice the returned goods were billed on.
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    # R25: the approval report (批复报告), the return receipt's scan and the customer's written
    # consent to a deduction (确认函), as attachments.
    approval_report_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    received_on: Mapped[date | None] = mapped_column(Date)
    receipt_scan_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    # The return_credit rule set's proposal (R18: rule set, version, rules, values) and the
    # method finance chose, with its reason when it is not the proposed one.
    proposal: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    credit_method: Mapped[str | None] = mapped_column(String(32))
    method_reason: Mapped[str] = mapped_column(Text, default="")
    # What credited it: the red invoice (a), the customer's blue invoice (b) or the next
    # invoice carrying the negative lines (c); with the amounts credited.
    credit_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    credited_on: Mapped[date | None] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    tax: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    customer: Mapped[Customer] = relationship()
    order: Mapped[Order] = relationship()
    lines: Mapped[list[ReturnLine]] = relationship(
        back_populates="ret", order_by="ReturnLine.line_no", cascade="all, delete-orphan"
    )


class ReturnLine(Base):
    """One returned line of the blue invoice: the quantity asked for and, once posted, the
    quantity received back; amounts (excluding tax) and tax at the blue line's price and rate."""

    __tablename__ = "return_lines"
    __table_args__ = (
        UniqueConstraint("return_id", "line_no"),
        CheckConstraint("quantity > 0", name="ck_return_lines_quantity"),
        CheckConstraint(
            "received_qty IS NULL OR (received_qty >= 0 AND received_qty <= quantity)",
            name="ck_return_lines_received",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), index=True)
    line_no: Mapped[int]
    invoice_line_id: Mapped[int] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]
    received_qty: Mapped[int | None]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)

    ret: Mapped[Return] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()


class CustomerBlueInvoice(Base):
    """The blue invoice the customer issued back to the supplier for a return (R24 b)."""

    __tablename__ = "customer_blue_invoices"
    __table_args__ = (UniqueConstraint("customer_id", "invoice_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    invoice_number: Mapped[str] = mapped_column(String(32))
    invoice_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    # Its lines as the customer wrote them: item, quantity, amount and tax.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
