"""The scheduler's tables: the leader lease, APScheduler's job table, and the tasks it raises."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Column,
    Float,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

# APScheduler 3's SQLAlchemyJobStore table, declared here so that Alembic owns the schema; the
# job store's own create(checkfirst=True) then finds it and creates nothing.
apscheduler_jobs = Table(
    "apscheduler_jobs",
    Base.metadata,
    Column("id", Unicode(191), primary_key=True),
    Column("next_run_time", Float(25), index=True),
    Column("job_state", LargeBinary, nullable=False),
)


class SchedulerLease(Base):
    """Held by the one scheduler process allowed to run the stored jobs; renewed while alive."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Task(Base):
    """Follow-up work raised for a role: one row per (kind, subject, period), however often
    and by whomever it is raised."""

    __machine__: ClassVar[str] = "task"
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("kind", "subject_type", "subject_id", "period", name="uq_tasks_key"),
        Index("ix_tasks_queue", "owner_role", "state", "due_at"),
        # The open-items gauge counts the live tasks by state (PostgreSQL has no skip scan).
        Index("ix_tasks_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(48))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int]
    period: Mapped[str] = mapped_column(String(32))
    owner_role: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(300))
    # The title as catalog words (code and values), which the pages show in the reader's
    # language; none for tasks raised before them (their English title is shown).
    title_words: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default="open")
    assignee: Mapped[str | None] = mapped_column(String(64))
    resolution: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
