"""Due dates from payment terms, counted from the customer's receipt date (R19).

Retail chains write their terms in one of three ways, and say what happens when the date found
is not a working day:

- `receipt`: the receipt date plus N days;
- `month_end` (月结): N days after the last day of the receipt month;
- `monthly_day`: a fixed settlement day of the month, the first one at least N days after the
  receipt (day 31 in a short month means its last day).

`non_working` is `keep` (the date stands), `next` or `previous` (the nearest working day after
or before it). Only moving a date needs the working-day calendar: a date in a year it does not
know raises CalendarGap, never a guess.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Literal, get_args

from service import workdays

Basis = Literal["receipt", "month_end", "monthly_day"]
NonWorking = Literal["keep", "next", "previous"]
BASES: Final[tuple[str, ...]] = get_args(Basis)
NON_WORKING: Final[tuple[str, ...]] = get_args(NonWorking)
MAX_DAYS: Final = 365


@dataclass(frozen=True)
class Terms:
    """One version of a customer's payment terms (账期, 结款日)."""

    basis: str
    days: int
    day_of_month: int | None = None
    non_working: str = "keep"

    def __post_init__(self) -> None:
        if self.basis not in BASES:
            raise ValueError(f"basis must be one of {', '.join(BASES)}")
        if not 0 <= self.days <= MAX_DAYS:
            raise ValueError(f"days must be 0-{MAX_DAYS}")
        if self.basis == "monthly_day":
            if self.day_of_month is None or not 1 <= self.day_of_month <= 31:
                raise ValueError("day_of_month must be 1-31 for a monthly settlement day")
        elif self.day_of_month is not None:
            raise ValueError("day_of_month is only for a monthly settlement day")
        if self.non_working not in NON_WORKING:
            raise ValueError(f"non_working must be one of {', '.join(NON_WORKING)}")


def _last_day(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _day_in_month(year: int, month: int, day: int) -> date:
    """`day` of the month, or its last day when the month is shorter (31 in April is the 30th)."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)


def nominal_due_date(terms: Terms, received_on: date) -> date:
    """The date the terms give before any working-day move."""
    if terms.basis == "receipt":
        return received_on + timedelta(days=terms.days)
    if terms.basis == "month_end":
        return _last_day(received_on.year, received_on.month) + timedelta(days=terms.days)
    assert terms.day_of_month is not None  # checked in Terms
    earliest = received_on + timedelta(days=terms.days)
    year, month = earliest.year, earliest.month
    candidate = _day_in_month(year, month, terms.day_of_month)
    if candidate < earliest:
        year, month = _next_month(year, month)
        candidate = _day_in_month(year, month, terms.day_of_month)
    return candidate


def due_date(
    terms: Terms,
    received_on: date,
    is_working_day: Callable[[date], bool] | None = None,
) -> date:
    """The stored due date of an invoice whose goods the customer received on `received_on`.

    `is_working_day` defaults to the service's calendar (read when called, so a calendar that
    learns a year is used at once). Raises workdays.CalendarGap when the date must move and
    the calendar does not know it."""
    day = nominal_due_date(terms, received_on)
    if terms.non_working == "keep":
        return day
    working = is_working_day or workdays.is_working_day
    step = timedelta(days=1 if terms.non_working == "next" else -1)
    while not working(day):
        day += step
    return day
