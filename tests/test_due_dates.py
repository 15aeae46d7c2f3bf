"""R19, pure: a due date from a version of payment terms, counted from the customer's receipt
date; month ends, leap years, Chinese holidays and make-up working days (the chinesecalendar
package: National Day 2026 is 1-7 October, Thursday 8 October is worked; Sunday 20 September and
Saturday 10 October 2026 are make-up working days)."""

from __future__ import annotations

from datetime import date

import pytest

from service.duedates import Terms, due_date, nominal_due_date
from service.workdays import CalendarGap, is_working_day


def test_r19_receipt_plus_days_crosses_month_ends() -> None:
    assert due_date(Terms("receipt", 30), date(2026, 1, 31)) == date(2026, 3, 2)
    assert due_date(Terms("receipt", 30), date(2028, 1, 31)) == date(2028, 3, 1)  # leap year
    assert due_date(Terms("receipt", 30), date(2028, 2, 29)) == date(2028, 3, 30)
    assert due_date(Terms("receipt", 0), date(2026, 5, 6)) == date(2026, 5, 6)


def test_r19_month_end_counts_from_the_last_day_of_the_receipt_month() -> None:
    # 月结: February ends on the 28th, or the 29th in a leap year.
    assert due_date(Terms("month_end", 0), date(2027, 2, 3)) == date(2027, 2, 28)
    assert due_date(Terms("month_end", 0), date(2028, 2, 3)) == date(2028, 2, 29)
    assert due_date(Terms("month_end", 30), date(2026, 1, 15)) == date(2026, 3, 2)
    assert due_date(Terms("month_end", 30), date(2028, 1, 15)) == date(2028, 3, 1)
    assert due_date(Terms("month_end", 60), date(2026, 12, 31)) == date(2027, 3, 1)


@pytest.mark.parametrize(
    ("day", "in_2027", "in_2028"),
    [
        (28, date(2027, 2, 28), date(2028, 2, 28)),
        (29, date(2027, 2, 28), date(2028, 2, 29)),
        (30, date(2027, 2, 28), date(2028, 2, 29)),
        (31, date(2027, 2, 28), date(2028, 2, 29)),
    ],
)
def test_r19_a_monthly_day_beyond_a_short_month_is_its_last_day(
    day: int, in_2027: date, in_2028: date
) -> None:
    terms = Terms("monthly_day", 0, day)
    assert due_date(terms, date(2027, 2, 1)) == in_2027
    assert due_date(terms, date(2028, 2, 1)) == in_2028


def test_r19_a_monthly_day_is_the_first_at_least_n_days_after_receipt() -> None:
    terms = Terms("monthly_day", 10, 25)
    assert due_date(terms, date(2026, 3, 10)) == date(2026, 3, 25)  # the 20th: this month
    assert due_date(terms, date(2026, 3, 20)) == date(2026, 4, 25)  # the 30th: next month
    assert due_date(Terms("monthly_day", 10, 31), date(2026, 3, 25)) == date(2026, 4, 30)
    assert due_date(Terms("monthly_day", 10, 15), date(2026, 12, 20)) == date(2027, 1, 15)


def test_r19_a_holiday_moves_to_the_next_or_previous_working_day() -> None:
    assert not is_working_day(date(2026, 10, 1))  # National Day
    keep, nxt, previous = (Terms("receipt", 1, None, how) for how in ("keep", "next", "previous"))
    received = date(2026, 9, 30)
    assert due_date(keep, received) == date(2026, 10, 1)
    assert due_date(nxt, received) == date(2026, 10, 8)  # the first day worked after it
    assert due_date(previous, received) == date(2026, 9, 30)
    # A weekend: Saturday 14 November 2026 moves to Monday 16th, or back to Friday 13th.
    assert due_date(Terms("receipt", 1, None, "next"), date(2026, 11, 13)) == date(2026, 11, 16)
    assert due_date(Terms("receipt", 1, None, "previous"), date(2026, 11, 13)) == date(2026, 11, 13)


def test_r19_a_make_up_working_day_on_a_weekend_stays() -> None:
    for worked in (date(2026, 9, 20), date(2026, 10, 10)):  # Sunday, Saturday (调休)
        assert worked.weekday() >= 5 and is_working_day(worked)
        assert due_date(Terms("receipt", 0, None, "next"), worked) == worked
        assert due_date(Terms("receipt", 0, None, "previous"), worked) == worked


def test_r19_a_date_that_must_move_in_an_unknown_year_is_never_guessed() -> None:
    # Terms that keep the date need no calendar; moving one in a year it lacks raises.
    far = date(2026, 12, 20)
    assert due_date(Terms("receipt", 45), far) == date(2027, 2, 3)
    with pytest.raises(CalendarGap) as gap:
        due_date(Terms("receipt", 45, None, "next"), far)
    assert gap.value.day.year == 2027
    # A calendar given by the caller answers for any year.
    weekdays = Terms("receipt", 45, None, "next")
    assert due_date(weekdays, far, lambda d: d.weekday() < 5) == date(2027, 2, 3)
    assert nominal_due_date(Terms("receipt", 46, None, "next"), far) == date(2027, 2, 4)


@pytest.mark.parametrize(
    ("terms", "reason"),
    [
        (("receipt", -1, None, "keep"), "days"),
        (("receipt", 366, None, "keep"), "days"),
        (("monthly_day", 10, 32, "keep"), "day_of_month"),
        (("monthly_day", 10, 0, "keep"), "day_of_month"),
        (("monthly_day", 10, None, "keep"), "day_of_month"),
        (("receipt", 10, 15, "keep"), "day_of_month"),
        (("receipt", 10, None, "later"), "non_working"),
        (("weekly", 10, None, "keep"), "basis"),
    ],
)
def test_r19_terms_out_of_bounds_are_refused(
    terms: tuple[str, int, int | None, str], reason: str
) -> None:
    with pytest.raises(ValueError, match=reason):
        Terms(*terms)
