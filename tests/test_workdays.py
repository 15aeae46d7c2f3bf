"""The Chinese working-day calendar: weekends, holidays, make-up working days, known years."""

from __future__ import annotations

from datetime import date

import pytest

from service.workdays import (
    CalendarGap,
    add_working_days,
    is_working_day,
    subtract_working_days,
    working_days_between,
)


def test_weekends_are_not_working_days() -> None:
    assert add_working_days(date(2026, 11, 13), 2) == date(2026, 11, 17)  # Fri -> Tue
    assert working_days_between(date(2026, 11, 13), date(2026, 11, 17)) == 2


def test_public_holidays_are_skipped() -> None:
    assert not is_working_day(date(2026, 10, 1))  # National Day
    assert add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 9)


def test_make_up_working_days_count() -> None:
    assert is_working_day(date(2026, 9, 20))  # a Sunday worked in exchange (调休)
    assert add_working_days(date(2026, 9, 18), 2) == date(2026, 9, 21)
    assert is_working_day(date(2026, 10, 10))  # a Saturday worked in exchange


def test_a_date_beyond_the_known_years_is_a_clear_error() -> None:
    with pytest.raises(CalendarGap, match=r"knows 2004-\d{4}; 2099-01-0\d is beyond it"):
        add_working_days(date(2098, 12, 31), 2)


def test_subtract_working_days_counts_back_over_holidays_and_weekends() -> None:
    assert subtract_working_days(date(2026, 10, 8), 1) == date(2026, 9, 30)  # over National Day
    assert subtract_working_days(date(2026, 9, 21), 1) == date(2026, 9, 20)  # a Sunday worked
    assert subtract_working_days(date(2026, 11, 16), 3) == date(2026, 11, 11)  # over a weekend
    with pytest.raises(ValueError, match="at least 1"):
        subtract_working_days(date(2026, 11, 16), 0)


def test_a_date_before_the_known_years_is_a_clear_error_too() -> None:
    with pytest.raises(CalendarGap, match="2003-12-31 is beyond it"):
        subtract_working_days(date(2004, 1, 1), 1)
