"""Credit proposals: what the monthly review proposed for a customer, and finance's decision."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, Money, UTCDateTime, utcnow


class CreditProposal(Base):
    """A grade and credit limit proposed for a customer (R32), once per customer and period
    (the month of the review), with the record and the rule decision behind it
    (workflows/definitions/credit_proposal.yaml)."""

    __machine__: ClassVar[str] = "credit_proposal"
    __tablename__ = "credit_proposals"
    __table_args__ = (UniqueConstraint("customer_id", "period", name="uq_credit_proposals_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    period: Mapped[str] = mapped_column(String(16))
    grade_before: Mapped[str] = mapped_column(String(8))
    grade_after: Mapped[str] = mapped_column(String(8))
    limit_before: Mapped[Decimal] = mapped_column(Money)
    limit_after: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    # The payment record's figures the rules saw, and their decision (rule set, rule, facts).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CreditReview(Base):
    """A customer reviewed in a period (R32), whether or not anything was proposed: each run of
    the month reviews only the customers not yet reviewed in it."""

    __tablename__ = "credit_reviews"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    period: Mapped[str] = mapped_column(String(16), primary_key=True)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime)
