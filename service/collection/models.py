"""Collection (R30-R31): the tasks the daily job raises per customer and condition, the contacts
collectors log, the promises to pay they record and the scheduler judges."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, Money, UTCDateTime, utcnow


class CollectionTask(Base):
    """One customer's condition to collect on (overdue, over_limit, over_age) for one period:
    one row per (condition, customer, period), however often and by whomever it is raised. Its
    owner role climbs R31's ladder (`level`) each time it escalates."""

    __machine__: ClassVar[str] = "collection_task"
    __tablename__ = "collection_tasks"
    __table_args__ = (
        UniqueConstraint("condition", "customer_id", "period", name="uq_collection_tasks_key"),
        Index("ix_collection_tasks_board", "state", "due_on"),
        Index("ix_collection_tasks_customer", "customer_id", "condition", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    condition: Mapped[str] = mapped_column(String(16))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    # The first day of the repeat window it was raised for, or what else raised it (a broken
    # promise: `promise-<id>`).
    period: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(default=1)
    owner_role: Mapped[str] = mapped_column(String(16))
    level: Mapped[int] = mapped_column(default=0)
    priority: Mapped[str] = mapped_column(String(8))
    assignee: Mapped[str | None] = mapped_column(String(64))
    raised_on: Mapped[date] = mapped_column(Date)
    # The day it last changed hands (raised or escalated): escalation counts from it.
    level_since: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    repeat_days: Mapped[int]
    escalate_after_days: Mapped[int]
    # What the job saw when it raised it (amount concerned and days past due or age).
    amount: Mapped[Decimal] = mapped_column(Money)
    days_overdue: Mapped[int]
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CollectionContact(Base):
    """A call, visit, letter or e-mail a collector logged on a task."""

    __tablename__ = "collection_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("collection_tasks.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    channel: Mapped[str] = mapped_column(String(8))
    notes: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[date] = mapped_column(Date)
    made_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PromiseToPay(Base):
    """The customer promised `amount` by `due_on`; after the grace days the job judges it from
    the payments received since it was made: kept, partly kept or broken (`outcome`)."""

    __tablename__ = "collection_promises"
    __table_args__ = (Index("ix_collection_promises_open", "outcome", "grace_until"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("collection_tasks.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    made_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    # Its date plus the grace the settings gave when it was made: judged the day after.
    grace_until: Mapped[date] = mapped_column(Date)
    made_by: Mapped[str] = mapped_column(String(64))
    # open until judged: kept, partly_kept or broken, with what was received.
    outcome: Mapped[str] = mapped_column(String(16), default="open")
    received: Mapped[Decimal | None] = mapped_column(Money)
    judged_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LegalCase(Base):
    """A customer handed to audit & legal (清欠户, R31): when, by whom, why, and what it owed
    then (one per customer: handed over again after a recovery, its case opens anew); its
    history (invoices, statements, contacts, promises, payments, escalations) is read from the
    documents themselves."""

    __tablename__ = "legal_cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), unique=True)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    outstanding: Mapped[Decimal] = mapped_column(Money)
    unapplied: Mapped[Decimal] = mapped_column(Money)
    # Closed by legal: recovered (the customer back to suspended) or written_off (it stays with
    # legal), when, by whom, with a note; all empty while the case is open.
    outcome: Mapped[str | None] = mapped_column(String(16))
    closed_on: Mapped[date | None] = mapped_column(Date)
    closed_by: Mapped[str | None] = mapped_column(String(64))
    close_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CollectionRun(Base):
    """The last complete run of the collection job: its business day, the journal's and the
    ledger's last ids after it, and a fingerprint of the settings and rules it ran with. A run
    the same day that finds all four unchanged has nothing new to do."""

    __tablename__ = "collection_runs"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    last_event: Mapped[int]
    last_entry: Mapped[int]
    fingerprint: Mapped[str] = mapped_column(String(64))
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
