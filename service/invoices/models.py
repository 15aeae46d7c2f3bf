"""Invoices (blue and red), their lines, carry-forwards and discounts given outside the invoice."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, Money, UTCDateTime, utcnow
from service.masterdata.models import Customer, Item, Rate
from service.orders.models import Order

LINE_SOURCES = ("goods", "discount", "carry_forward", "reversal", "return_deduction")


class Invoice(Base):
    """A VAT special invoice (增值税专用发票); red ones are negative and reverse a blue one."""

    __machine__: ClassVar[str] = "invoice"
    __tablename__ = "invoices"
    __table_args__ = (
        CheckConstraint("kind IN ('blue', 'red')", name="ck_invoices_kind"),
        Index("ix_invoices_customer_state", "customer_id", "state"),
        # The due-date job's scan: invoices whose due date waits for the calendar (R19).
        Index(
            "ix_invoices_due_date_pending",
            "customer_id",
            "term_start",
            sqlite_where=text("due_date IS NULL"),
            postgresql_where=text("due_date IS NULL"),
        ),
        # The statements' daily scan (R20): invoices with a due date not yet on a statement.
        Index(
            "ix_invoices_statement_scan",
            "customer_id",
            "due_date",
            sqlite_where=text("statement_id IS NULL AND due_date IS NOT NULL"),
            postgresql_where=text("statement_id IS NULL AND due_date IS NOT NULL"),
        ),
        # What customers still owe, by due date: ageing, collection and the credit check.
        Index(
            "ix_invoices_open",
            "customer_id",
            "due_date",
            sqlite_where=text("outstanding <> 0"),
            postgresql_where=text("outstanding <> 0"),
        ),
        # The same by receipt (the term's start): collection's older-than-allowed scan (R30) and
        # the ageing by receipt date.
        Index(
            "ix_invoices_open_received",
            "customer_id",
            "term_start",
            sqlite_where=text("outstanding <> 0"),
            postgresql_where=text("outstanding <> 0"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_no: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(8), default="blue")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    # R10: customer PO number, company order number, customer receipt number, warehouse code.
    remark: Mapped[str] = mapped_column(Text)
    prices_include_tax: Mapped[bool]
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    discount_total: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # What the customer still owes on this blue invoice: its total once issued, less its red
    # invoices and what was applied to it; kept by the receivables ledger (service/ledger.py).
    # A red invoice's own stays 0.
    outstanding: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    sales_list: Mapped[bool] = mapped_column(default=False)
    fapiao_no: Mapped[str | None] = mapped_column(String(32), unique=True)
    fapiao_date: Mapped[date | None] = mapped_column(Date)
    # Seller and buyer as they stood when the tax system issued it (service/parties.py); none
    # while a draft (its printout names them as they are now).
    parties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivery_route: Mapped[str] = mapped_column(String(32))
    delivery_address: Mapped[str] = mapped_column(Text, default="")
    # R19: the customer's receipt date its payment term counts from, and the due date the
    # customer's terms gave (service/invoices/terms.py); empty while the working-day calendar
    # does not know the year the due date falls in.
    term_start: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    # The reconciliation statement (R21) that lists it; no foreign key (the statements feature
    # owns that table and claims invoices by a set-based UPDATE).
    statement_id: Mapped[int | None]
    sent_on: Mapped[date | None] = mapped_column(Date)
    tracking_no: Mapped[str | None] = mapped_column(String(64))
    signed_on: Mapped[date | None] = mapped_column(Date)
    signed_by: Mapped[str | None] = mapped_column(String(100))
    # The day the buyer confirmed use (用途确认) of this blue invoice on the tax platform; until
    # then a red-letter form needs no confirmation.
    use_confirmed_on: Mapped[date | None] = mapped_column(Date)
    # A red invoice reverses `original_id`; a corrected blue invoice replaces `original_id`.
    original_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    # A follow-up invoice bills only a re-delivered shortage (R8) on its own, outside its
    # order's own invoice: it does not move the order. The receipt exception's id, without a
    # foreign key (receipt exceptions already lead to invoices through returns; its
    # carry-forward links both).
    follow_up_of_id: Mapped[int | None] = mapped_column(index=True)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_by: Mapped[str] = mapped_column(String(64))
    # Brought over from the old system at go-live (`o2c import`), not made here.
    imported: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    order: Mapped[Order] = relationship()
    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.line_no", cascade="all, delete-orphan"
    )


class InvoiceLine(Base):
    """A goods line, its discount line (R12 on the invoice), a carried-forward line or a
    reversal line of a red invoice. Amounts exclude tax; tax is per line, half-up to the fen."""

    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    line_no: Mapped[int]
    source: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_lines.id"))
    carry_forward_id: Mapped[int | None] = mapped_column(ForeignKey("carry_forwards.id"))
    # A red invoice's line: the blue line it takes back (partly or in full).
    reverses_line_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_lines.id"), index=True)
    # A negative line deducting a return on the next invoice (R24 c).
    return_id: Mapped[int | None] = mapped_column(ForeignKey("returns.id"), index=True)
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    tax: Mapped[Decimal] = mapped_column(Money)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")
    item: Mapped[Item] = relationship()


class CarryForward(Base):
    """A quantity to put on the customer's next invoice (R15), a model offset (R14), or a
    re-delivered shortage (R8); `state` pending until an invoice carries it, once."""

    __tablename__ = "carry_forwards"
    __table_args__ = (Index("ix_carry_forwards_pending", "customer_id", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    tax_rate: Mapped[Decimal] = mapped_column(Rate)
    prices_include_tax: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    # Where it comes from: an invoice exception (R14, R15) of an invoice, or the re-delivery of
    # a shortage found at receipt (R8), whose follow-up receipt it invoices.
    source_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    source_exception_id: Mapped[int | None] = mapped_column(ForeignKey("invoice_exceptions.id"))
    source_receipt_exception_id: Mapped[int | None] = mapped_column(
        ForeignKey("receipt_exceptions.id", name="fk_carry_forwards_receipt_exception"),
        unique=True,
    )
    state: Mapped[str] = mapped_column(String(16), default="pending")
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship()


class DiscountCredit(Base):
    """A discount given outside the invoice (R12): offset by receipts or by a red-letter notice."""

    __tablename__ = "discount_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    mode: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    discount_order_no: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
