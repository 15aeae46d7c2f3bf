"""The working-day calendar years an admin loaded, for the years the calendar package does not know.

Shared plumbing because `service.workdays` reads them. A year is loaded once, whole, from a file
naming its source (the State Council's notice); it is never changed afterwards, so a process that
has seen a year never holds a stale copy of it. Only the days a notice names are stored: its
holidays (not working) and make-up working days (调休, working); any other day of a loaded year is
a working day from Monday to Friday.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Connection, Date, ForeignKey, Index, Integer, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

SOURCE_MAX = 500
NAME_MAX = 100
FILE_MAX = 200


class WorkingCalendarYear(Base):
    """One loaded year: where its days come from, who loaded it, when, and the file's digest."""

    __tablename__ = "working_calendar_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    source: Mapped[str] = mapped_column(String(SOURCE_MAX))
    file: Mapped[str] = mapped_column(String(FILE_MAX))
    digest: Mapped[str] = mapped_column(String(64))
    loaded_by: Mapped[str] = mapped_column(String(64))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    holidays: Mapped[int] = mapped_column(Integer)
    workdays: Mapped[int] = mapped_column(Integer)


class WorkingCalendarDay(Base):
    """A day a loaded notice names: a holiday (`working` false) or a make-up working day."""

    __tablename__ = "working_calendar_days"
    __table_args__ = (Index("ix_working_calendar_days_year", "year"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("working_calendar_years.year"))
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(NAME_MAX))


_COUNT = select(func.count()).select_from(WorkingCalendarYear)
_YEARS = select(WorkingCalendarYear.year)
_DAYS = select(WorkingCalendarDay.day, WorkingCalendarDay.working)


def loaded_count(connection: Connection) -> int:
    """How many years are loaded: the overlay's version (years are only ever added)."""
    return int(connection.scalar(_COUNT) or 0)


def loaded_days(connection: Connection) -> tuple[frozenset[int], dict[date, bool]]:
    """Every loaded year and the days their notices name (working or not)."""
    years = frozenset(connection.scalars(_YEARS).all())
    days = {row.day: bool(row.working) for row in connection.execute(_DAYS)}
    return years, days
