"""Reading the loaded years: one with its days, and every one with what the package now says."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from service import workdays
from service.calendar_years import notice as notices
from service.calendar_years.schemas import CalendarPackageOut, CalendarYearOut, CalendarYearsOut
from service.context import Context
from service.workcalendar import WorkingCalendarDay, WorkingCalendarYear


def loaded_calendar(
    session: Session, year: int
) -> tuple[WorkingCalendarYear, dict[date, bool]] | None:
    """A loaded year and the days its notice names (working or not); None if not loaded."""
    row = session.get(WorkingCalendarYear, year)
    if row is None:
        return None
    days = session.execute(
        select(WorkingCalendarDay.day, WorkingCalendarDay.working).where(
            WorkingCalendarDay.year == year
        )
    ).all()
    return row, {d.day: bool(d.working) for d in days}


def package_disagreement(session: Session, year: int) -> list[date]:
    """Days of a loaded year the package now knows and says otherwise about (empty: none)."""
    if not workdays.package_knows(year):
        return []
    found = loaded_calendar(session, year)
    if found is None:
        return []
    _row, days = found
    return notices.differences(
        year, workdays.package_is_working_day, lambda d: days.get(d, d.weekday() < 5)
    )


def calendar_years(session: Session, _ctx: Context | None = None) -> CalendarYearsOut:
    """GET /calendar/years: the package's years and the loaded ones, oldest first."""
    first, last = workdays.package_years()
    rows = session.scalars(select(WorkingCalendarYear).order_by(WorkingCalendarYear.year)).all()
    loaded = []
    for row in rows:
        shown = CalendarYearOut.model_validate(row)
        shown.package_disagrees = package_disagreement(session, row.year)
        loaded.append(shown)
    return CalendarYearsOut(
        package=CalendarPackageOut(
            name="chinesecalendar",
            version=workdays.package_version(),
            first_year=first,
            last_year=last,
        ),
        loaded=loaded,
    )
