"""Loading a year's notice: the package wins where it knows the year, a loaded year never
changes, and loading resolves the admins' `working_calendar_gap` task for that year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from service import workdays
from service.calendar_years import notice as notices
from service.calendar_years.notice import Notice
from service.calendar_years.queries import loaded_calendar
from service.calendar_years.schemas import (
    CalendarDayOut,
    CalendarFileIn,
    CalendarLoadOut,
    CalendarUpload,
)
from service.context import Context
from service.db import utcnow
from service.errors import Conflict, Invalid
from service.scheduler.jobs import CALENDAR_GAP
from service.scheduler.tasks import resolve_for_subject
from service.workcalendar import WorkingCalendarDay, WorkingCalendarYear


def _dates(days: list[date]) -> str:
    """Every differing day, named (a year has a few dozen holidays and make-up days at most)."""
    return ", ".join(d.isoformat() for d in days)


def _answer(
    notice: Notice, outcome: str, row: WorkingCalendarYear | None = None, resolved: int = 0
) -> CalendarLoadOut:
    return CalendarLoadOut(
        outcome=outcome,
        year=notice.year,
        source=notice.source,
        file=notice.file,
        digest=notice.digest,
        holidays=notice.holidays,
        workdays=notice.workdays,
        days=[CalendarDayOut(day=d.day, working=d.working, name=d.name) for d in notice.days],
        loaded_by=row.loaded_by if row is not None else None,
        loaded_at=row.loaded_at if row is not None else None,
        resolved_tasks=resolved,
    )


def package_differences(notice: Notice) -> list[date]:
    """The days on which the calendar package says otherwise than the notice."""
    return notices.differences(notice.year, workdays.package_is_working_day, notice.is_working_day)


def _insert_year(session: Session, notice: Notice, loaded_by: str) -> bool:
    """Insert the year's row unless another process just did; True when this one did."""
    values = {
        "year": notice.year,
        "source": notice.source,
        "file": notice.file,
        "digest": notice.digest,
        "loaded_by": loaded_by,
        "loaded_at": utcnow(),
        "holidays": notice.holidays,
        "workdays": notice.workdays,
    }
    dialect = session.get_bind().dialect.name
    stmt = (
        postgresql.insert(WorkingCalendarYear)
        if dialect == "postgresql"
        else sqlite.insert(WorkingCalendarYear)
    )
    inserted = session.execute(
        stmt.values(values)
        .on_conflict_do_nothing(index_elements=["year"])
        .returning(WorkingCalendarYear.year)
    ).first()
    return inserted is not None


def load_notice(
    session: Session, ctx: Context, *, notice: Notice, dry_run: bool = False
) -> CalendarLoadOut:
    """Load a validated notice (see the module's docstring); refusals name every differing day."""
    if workdays.package_knows(notice.year):
        differing = package_differences(notice)
        if differing:
            raise Conflict(
                "calendar.package_disagrees",
                field="year",
                year=notice.year,
                version=workdays.package_version(),
                count=len(differing),
                dates=_dates(differing),
                differing=differing,
            )
        return _answer(notice, "same_as_package")
    existing = loaded_calendar(session, notice.year)
    if existing is None and not dry_run:
        if _insert_year(session, notice, ctx.actor.username):
            session.execute(
                insert(WorkingCalendarDay),
                [
                    {"day": d.day, "year": notice.year, "working": d.working, "name": d.name}
                    for d in notice.days
                ],
            )
            resolved = resolve_for_subject(
                session,
                ctx,
                kind=CALENDAR_GAP,
                subject_type="calendar_year",
                subject_id=notice.year,
                note=f"the working days of {notice.year} were loaded from {notice.file}",
            )
            row = session.get(WorkingCalendarYear, notice.year)
            return _answer(notice, "loaded", row, resolved)
        existing = loaded_calendar(session, notice.year)
    if existing is None:
        return _answer(notice, "dry_run")
    row, days = existing
    differing = notices.differences(
        notice.year, lambda d: days.get(d, d.weekday() < 5), notice.is_working_day
    )
    if differing:
        raise Conflict(
            "calendar.year_loaded_differently",
            field="year",
            year=notice.year,
            file=row.file,
            count=len(differing),
            dates=_dates(differing),
            differing=differing,
        )
    return _answer(notice, "already_loaded", row)


def load(session: Session, ctx: Context, *, data: CalendarFileIn) -> CalendarLoadOut:
    """POST /calendar/years: validate the file, then load it (or only compare, `dry_run`)."""
    notice = notices.parse(data.yaml, file=data.file)
    return load_notice(session, ctx, notice=notice, dry_run=data.dry_run)


def load_upload(
    session: Session, ctx: Context, *, data: CalendarUpload, content: bytes
) -> CalendarLoadOut:
    """POST /calendar/years/file: the uploaded file, which must be UTF-8 text, loaded as `load`."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid("calendar.file_not_text", field="file") from None
    if "\x00" in text:
        raise Invalid("calendar.file_not_text", field="file")
    notice = notices.parse(text, file=data.file)
    return load_notice(session, ctx, notice=notice, dry_run=data.dry_run)
