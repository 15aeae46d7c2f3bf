"""Customer bookings, invoice exceptions, and the evidence attached to them.

An invoice exception states both sides of one discrepancy as the customer's booking does: amounts
without tax, tax separately, discounts tax included; its differences are invoiced minus booked.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.vocabularies.invoice_exception import KINDS
from service.db import Base, Money, UTCDateTime, utcnow
from service.evidence import Attachment
from service.invoices.models import Invoice

ZERO = Decimal("0.00")


class Booking(Base):
    """What the customer booked for an invoice (its statement or portal export)."""

    __tablename__ = "bookings"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True)
    reference: Mapped[str] = mapped_column(String(64))
    booked_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(16))
    recorded_by: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()
    lines: Mapped[list[BookingLine]] = relationship(
        back_populates="booking", order_by="BookingLine.id", cascade="all, delete-orphan"
    )


class BookingLine(Base):
    __tablename__ = "booking_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)
    amount: Mapped[Decimal] = mapped_column(Money)
    tax: Mapped[Decimal] = mapped_column(Money)
    discount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))

    booking: Mapped[Booking] = relationship(back_populates="lines")


class InvoiceException(Base):
    """One discrepancy between an invoice and the customer's booking, and how it was resolved."""

    __machine__: ClassVar[str] = "invoice_exception"
    __tablename__ = "invoice_exceptions"
    __table_args__ = (
        CheckConstraint(
            "kind IN (" + ", ".join(f"'{kind}'" for kind in KINDS) + ")",
            name="ck_invoice_exceptions_kind",
        ),
        Index("ix_invoice_exceptions_queue", "state", "customer_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(32))
    item_code: Mapped[str | None] = mapped_column(String(64))
    booked_item_code: Mapped[str | None] = mapped_column(String(64))
    invoiced_qty: Mapped[int] = mapped_column(default=0)
    booked_qty: Mapped[int] = mapped_column(default=0)
    invoiced_unit_price: Mapped[Decimal | None] = mapped_column(Money)
    booked_unit_price: Mapped[Decimal | None] = mapped_column(Money)
    quantity_difference: Mapped[int] = mapped_column(default=0)
    # Each side as booked: amount without tax, tax, discount tax included.
    invoiced_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    booked_amount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    invoiced_tax: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    booked_tax: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    invoiced_discount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    booked_discount: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    # Invoiced minus booked: without tax, the tax, the discount, and what the customer pays.
    amount_difference: Mapped[Decimal] = mapped_column(Money)
    tax_difference: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    discount_difference: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    total_difference: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    # The rounding tolerance looks at these (DOMAIN "Money and tax").
    line_tax_difference: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    invoice_tax_difference: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    state: Mapped[str] = mapped_column(String(16), default="open")
    version: Mapped[int] = mapped_column(default=1)
    # The latest decision of the rule set, with its explanation (R18).
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolution: Mapped[str | None] = mapped_column(String(40))
    overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invoice: Mapped[Invoice] = relationship()
    evidence: Mapped[list[ExceptionEvidence]] = relationship(
        back_populates="exception", order_by="ExceptionEvidence.id", cascade="all, delete-orphan"
    )


class ExceptionEvidence(Base):
    """A document attached to an exception, named by its evidence kind (R18)."""

    __tablename__ = "exception_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("invoice_exceptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachments.id"))
    attached_by: Mapped[str] = mapped_column(String(64))
    attached_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    exception: Mapped[InvoiceException] = relationship(back_populates="evidence")
    attachment: Mapped[Attachment] = relationship()
