"""Chinese working days: weekends, public holidays and make-up working days (调休).

Backed by the maintained `chinesecalendar` package. A date outside the years it knows raises
CalendarGap with a message saying so, never a silently wrong deadline.
"""

from __future__ import annotations

from datetime import date, timedelta
from importlib.metadata import version

import chinese_calendar


class CalendarGap(Exception):
    """The working-day calendar has no data for a date (a year not yet published)."""

    def __init__(self, message: str, day: date) -> None:
        super().__init__(message)
        self.day = day


def _known_years() -> tuple[int, int]:
    years = [d.year for d in chinese_calendar.holidays]
    return min(years), max(years)


def _gap(day: date) -> CalendarGap:
    first, last = _known_years()
    return CalendarGap(
        f"the working-day calendar (chinesecalendar {version('chinesecalendar')}) knows "
        f"{first}-{last}; {day.isoformat()} is beyond it: upgrade chinesecalendar once the "
        "State Council publishes that year's holidays",
        day,
    )


def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise _gap(day) from None


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


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
