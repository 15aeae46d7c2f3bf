"""The Chinese working-day calendar: weekends, holidays, make-up working days, known years."""

from __future__ import annotations

from datetime import date

import pytest

from service.workdays import CalendarGap, add_working_days, is_working_day, working_days_between


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
