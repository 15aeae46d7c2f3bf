"""Reconciliation statements (对账单, R20-R22), their kept versions and lines, what they took,
the adjustments finance enters for them and the lines a customer disputes."""

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
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, Money, UTCDateTime, utcnow

KINDS = ("scheduled", "requested")
ADJUSTMENT_KINDS = ("price_reduction", "rebate", "margin_support", "fee", "other")
# What a statement line is: goods (counted as owed), a credit or an adjustment (counted as
# deducted), or an open defective / slow-moving return (listed for information, not counted).
LINE_KINDS = (
    "invoice",
    "red_invoice",
    "customer_blue_invoice",
    "discount_offset",
    "adjustment",
    "open_return",
)
ZERO = Decimal("0.00")


class Statement(Base):
    """One statement per (customer, settlement date, kind); its totals are those of its current
    version. `scheduled`: drafted by the scheduler (R20); `requested`: by a person."""

    __machine__: ClassVar[str] = "statement"
    __tablename__ = "statements"
    __table_args__ = (
        UniqueConstraint("customer_id", "settlement_date", "kind", name="uq_statements_key"),
        CheckConstraint("kind IN ('scheduled', 'requested')", name="ck_statements_kind"),
        Index("ix_statements_state", "state", "settlement_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    settlement_date: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    # The number of its kept versions (the current one is the last).
    versions: Mapped[int] = mapped_column(default=0)
    # R20: the working days ahead it was drafted, the day that gave, and the rule decision.
    lead_working_days: Mapped[int | None]
    draft_day: Mapped[date | None] = mapped_column(Date)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    goods_total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    credits_total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    adjustments_total: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    amount_due: Mapped[Decimal] = mapped_column(Money, default=ZERO)
    sent_on: Mapped[date | None] = mapped_column(Date)
    sent_to: Mapped[str | None] = mapped_column(String(200))
    # Both parties as they stood when it was last sent (service/parties.py); none before.
    parties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    channel: Mapped[str | None] = mapped_column(String(16))
    # R22: the customer's side (its signatory and reference) and ours (who confirmed).
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    customer_signatory: Mapped[str | None] = mapped_column(String(100))
    customer_reference: Mapped[str | None] = mapped_column(String(64))
    confirmation_id: Mapped[int | None] = mapped_column(ForeignKey("attachments.id"))
    confirmed_by: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StatementVersion(Base):
    """A kept version: its totals, who made it and why, and what changed against the previous
    one (lines added, removed, changed; totals before and after)."""

    __tablename__ = "statement_versions"
    __table_args__ = (UniqueConstraint("statement_id", "number", name="uq_statement_versions"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"))
    number: Mapped[int]
    reason: Mapped[str] = mapped_column(Text, default="")
    # The reason as catalog words when the service gave it (`statements.reasons`); none for a
    # reason a person typed.
    reason_words: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    made_by: Mapped[str] = mapped_column(String(64))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    goods_total: Mapped[Decimal] = mapped_column(Money)
    credits_total: Mapped[Decimal] = mapped_column(Money)
    adjustments_total: Mapped[Decimal] = mapped_column(Money)
    amount_due: Mapped[Decimal] = mapped_column(Money)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StatementLine(Base):
    """One line of a version: its source document, references and amount (positive; its kind
    says whether it is owed, deducted or only listed)."""

    __tablename__ = "statement_lines"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('invoice', 'red_invoice', 'customer_blue_invoice', 'discount_offset', "
            "'adjustment', 'open_return')",
            name="ck_statement_lines_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("statement_versions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[int]
    reference: Mapped[str] = mapped_column(String(64))
    receipt_no: Mapped[str | None] = mapped_column(String(64))
    receipt_date: Mapped[date | None] = mapped_column(Date)
    warehouse: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date | None] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    amount: Mapped[Decimal] = mapped_column(Money)
    counted: Mapped[bool] = mapped_column(default=True)


class StatementEntry(Base):
    """A credit or adjustment taken by a statement: on one statement only, ever."""

    __tablename__ = "statement_entries"
    __table_args__ = (
        UniqueConstraint("source_type", "source_id", name="uq_statement_entries_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    source_type: Mapped[str] = mapped_column(String(24))
    source_id: Mapped[int]


class StatementAdjustment(Base):
    """A deduction finance enters for the customer's next statement (R21): a price reduction
    (降价), rebate (返利), margin support (补利) or fee, with its document and evidence."""

    __machine__: ClassVar[str] = "statement_adjustment"
    __tablename__ = "statement_adjustments"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('price_reduction', 'rebate', 'margin_support', 'fee', 'other')",
            name="ck_statement_adjustments_kind",
        ),
        CheckConstraint("amount > 0", name="ck_statement_adjustments_amount"),
        Index("ix_statement_adjustments_customer_state", "customer_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(Money)
    description: Mapped[str] = mapped_column(Text)
    document_no: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[list[int]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class StatementDispute(Base):
    """A line of a sent statement the customer disputes, in finance's queue (R22)."""

    __machine__: ClassVar[str] = "statement_dispute"
    __tablename__ = "statement_disputes"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("statement_lines.id"))
    statement_version: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    customer_amount: Mapped[Decimal | None] = mapped_column(Money)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
