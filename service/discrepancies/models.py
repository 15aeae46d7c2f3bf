"""Customer bookings, invoice exceptions, and the evidence attached to them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.attachments.models import Attachment
from service.db import Base, Money, UTCDateTime, utcnow
from service.invoices.models import Invoice

KINDS = (
    "model_mismatch",
    "quantity_over_invoiced",
    "quantity_under_invoiced",
    "price_mismatch",
    "discount_mismatch",
    "tax_difference",
)


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

    __tablename__ = "invoice_exceptions"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('model_mismatch', 'quantity_over_invoiced', 'quantity_under_invoiced', "
            "'price_mismatch', 'discount_mismatch', 'tax_difference')",
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
    amount_difference: Mapped[Decimal] = mapped_column(Money)
    line_tax_difference: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    invoice_tax_difference: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    discount_difference: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
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

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


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
