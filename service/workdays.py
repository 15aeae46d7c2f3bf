"""Chinese working days: weekends, public holidays and make-up working days (调休).

Backed by the maintained `chinesecalendar` package for the years it knows, and beyond them by the
years an admin loaded from the State Council's notice (`service.workcalendar`). The package wins
wherever it knows a year. A date in a year neither knows raises CalendarGap with a message saying
so, never a silently wrong deadline.

The loaded years are held in memory (an overlay). Years are only ever added, never changed, so
the overlay can only lack a year, never hold a wrong one: a date the overlay does not know makes
it look at the database (one count of the loaded years) before CalendarGap is raised, and the
scheduler refreshes it at the start of every run. So a year loaded by another process is seen by
the next request or scheduler run that needs it, and callers pass no session.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib.metadata import version

import chinese_calendar
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from service import workcalendar

log = logging.getLogger("o2c.workdays")


class CalendarGap(Exception):
    """The working-day calendar has no data for a date (a year not yet published)."""

    def __init__(self, message: str, day: date) -> None:
        super().__init__(message)
        self.day = day


@dataclass(frozen=True)
class _Overlay:
    """The loaded years as last read: `version` is how many there were (None: never read)."""

    version: int | None = None
    years: frozenset[int] = frozenset()
    days: Mapping[date, bool] = field(default_factory=dict)


Source = Callable[[], AbstractContextManager[Connection]]

_overlay = _Overlay()
_source: Source | None = None
_lock = threading.Lock()


def package_years() -> tuple[int, int]:
    """The first and last year the calendar package knows."""
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def package_version() -> str:
    return version("chinesecalendar")


def package_knows(year: int) -> bool:
    first, last = package_years()
    return first <= year <= last


def package_is_working_day(day: date) -> bool:
    """The package's answer alone; NotImplementedError for a year it does not know."""
    return bool(chinese_calendar.is_workday(day))


def loaded_years() -> frozenset[int]:
    """The years loaded by admins, as this process last saw them."""
    return _overlay.years


def follow(source: Source | None) -> None:
    """Where the loaded years are read from (a `Database.lookup`); None forgets them (tests)."""
    global _source, _overlay  # noqa: PLW0603 (one calendar per process)
    with _lock:
        _source = source
        _overlay = _Overlay()


def refresh(connection: Connection | None = None) -> bool:
    """Read the loaded years again if their number changed; True when the overlay changed.

    Without a connection one is taken from the source given to `follow` (none: nothing to read).
    """
    global _overlay  # noqa: PLW0603
    if connection is None:
        if _source is None:
            return False
        try:
            with _source() as fresh:
                return refresh(fresh)
        except SQLAlchemyError as error:  # briefly unreachable
            log.warning("loaded working-day calendar years not read: %s", error)
            return False
    try:
        count = workcalendar.loaded_count(connection)
        if count == _overlay.version:
            return False
        years, days = workcalendar.loaded_days(connection)
    except SQLAlchemyError as error:  # not migrated yet: nothing loaded to see
        log.warning("loaded working-day calendar years not read: %s", error)
        return False
    with _lock:
        _overlay = _Overlay(version=len(years), years=years, days=days)
    return True


def _gap(day: date) -> CalendarGap:
    first, last = package_years()
    return CalendarGap(
        f"the working-day calendar (chinesecalendar {package_version()}) knows "
        f"{first}-{last}; {day.isoformat()} is beyond it and no notice of {day.year} is loaded: "
        f"load the State Council's holidays of {day.year} once published (o2c calendar load) "
        "or upgrade chinesecalendar",
        day,
    )


def _loaded(day: date) -> bool:
    overlay = _overlay
    if day.year not in overlay.years:
        refresh()
        overlay = _overlay
        if day.year not in overlay.years:
            raise _gap(day)
    working = overlay.days.get(day)
    return working if working is not None else day.weekday() < 5


def is_working_day(day: date) -> bool:
    try:
        return package_is_working_day(day)
    except NotImplementedError:
        return _loaded(day)


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start` (start itself does not count)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def subtract_working_days(start: date, count: int) -> date:
    """The `count`-th working day before `start` (start itself does not count)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    day = start
    remaining = count
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
