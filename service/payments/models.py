"""Payments received, the deductions customers made, and applications of unapplied credit.

What each of them applied to which invoice is on the receivables ledger (`service/ledger.py`:
one entry per payment, deduction, application or reversal, with its allocations).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, Money, UTCDateTime, utcnow


class Payment(Base):
    """A payment received (回款): amount, value date, payer and bank reference, once."""

    __machine__: ClassVar[str] = "payment"
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_payments_amount"),
        Index("ix_payments_customer", "customer_id", "value_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    amount: Mapped[Decimal] = mapped_column(Money)
    value_date: Mapped[date] = mapped_column(Date)
    payer: Mapped[str] = mapped_column(String(200))
    # Normalised (see schemas); the database refuses it twice, reversed payments included.
    bank_reference: Mapped[str] = mapped_column(String(64), unique=True)
    # The confirmed statement it pays, when the customer says so (its deductions come along).
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statements.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    # What it applied to invoices when recorded, and what was left as unapplied credit.
    allocated: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    unapplied: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    reversal_reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Deduction(Base):
    """An amount the customer deducted instead of paying it: a discount offset by receipt
    (收据冲账, R12) or a statement adjustment (rebate, price reduction...) confirmed on a
    statement; each source deducted once while the deduction stands."""

    __tablename__ = "deductions"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_deductions_amount"),
        CheckConstraint(
            "source_type IN ('discount_credit', 'statement_adjustment')",
            name="ck_deductions_source_type",
        ),
        Index(
            "uq_deductions_source",
            "source_type",
            "source_id",
            unique=True,
            sqlite_where=text("reversed_on IS NULL"),
            postgresql_where=text("reversed_on IS NULL"),
        ),
        Index("ix_deductions_customer", "customer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # The payment it came with (reversed with it), or none when recorded on its own.
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[int]
    reference: Mapped[str] = mapped_column(String(64))
    amount: Mapped[Decimal] = mapped_column(Money)
    day: Mapped[date] = mapped_column(Date)
    reversed_on: Mapped[date | None] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditApplication(Base):
    """Unapplied credit of a customer applied to its open invoices."""

    __tablename__ = "credit_applications"
    __table_args__ = (CheckConstraint("amount > 0", name="ck_credit_applications_amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankImport(Base):
    """One import of a bank statement file: who imported which file, and what came of it."""

    __tablename__ = "bank_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    lines_read: Mapped[int] = mapped_column(default=0)
    new: Mapped[int] = mapped_column(default=0)
    already: Mapped[int] = mapped_column(default=0)
    matched: Mapped[int] = mapped_column(default=0)
    waiting: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    errors: Mapped[int] = mapped_column(default=0)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankLine(Base):
    """A credit line of a bank statement (银行流水), stored once per bank reference: matched to
    the payment booked from it, waiting for a person, or ignored as no customer payment."""

    __machine__: ClassVar[str] = "bank_line"
    __tablename__ = "bank_lines"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_bank_lines_amount"),
        Index("ix_bank_lines_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("bank_imports.id"), index=True)
    line_no: Mapped[int]
    value_date: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    payer: Mapped[str] = mapped_column(String(200))
    # Normalised as a payment's (see schemas.bank_reference): a line once, whatever the file.
    bank_reference: Mapped[str] = mapped_column(String(64), unique=True)
    remittance_text: Mapped[str] = mapped_column(Text, default="")
    # The row as the file had it, by the file's own column names.
    raw: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # The customer found for it (when one only), and the payment it is matched to.
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    # Why it waits (a catalog code) while unmatched, and why a person ignored it.
    waiting_reason: Mapped[str | None] = mapped_column(String(64))
    waiting_params: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ignore_reason: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
