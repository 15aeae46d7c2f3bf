"""What passed the settlement gate: one settlement per act of settling (a statement's invoices or
one invoice of a confirmed statement), on a day, collected under a power of attorney (R28), and
the invoices it settled (each once, ever)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, Money, UTCDateTime, utcnow


class Settlement(Base):
    """Invoices of one confirmed statement passed the gate on `day`; the power of attorney of the
    person collecting, as it was then (its name is kept: a later replacement changes nothing)."""

    __tablename__ = "settlements"
    # A power of attorney's page lists what was collected under it, latest first (R28).
    __table_args__ = (Index("ix_settlements_attorney", "attorney_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_no: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("statements.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    attorney_id: Mapped[int] = mapped_column(ForeignKey("powers_of_attorney.id"))
    attorney_name: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    # The invoices it settled and their total, yuan.
    invoices: Mapped[int]
    amount: Mapped[Decimal] = mapped_column(Money)
    settled_by: Mapped[str] = mapped_column(String(64))
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettledInvoice(Base):
    """An invoice a settlement settled: unique, so no invoice passes the gate twice."""

    __tablename__ = "settled_invoices"

    id: Mapped[int] = mapped_column(primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("settlements.id"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), unique=True)
    amount: Mapped[Decimal] = mapped_column(Money)
