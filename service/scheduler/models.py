"""The leader lease (one process runs the stored jobs) and APScheduler's job table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, LargeBinary, String, Table, Unicode
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime

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
