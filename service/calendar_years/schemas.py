"""Request and response bodies of /calendar/years."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from service.calendar_years.notice import MAX_FILE_BYTES
from service.schemas import Request, Response

Outcome = Literal["loaded", "dry_run", "already_loaded", "same_as_package"]


class CalendarFileIn(Request):
    """A year's notice file (see config/calendar/README.md), as text."""

    yaml: str = Field(min_length=1, max_length=MAX_FILE_BYTES, description="the file (YAML)")
    file: str = Field(
        default="calendar.yaml",
        min_length=1,
        max_length=200,
        pattern=r"^[^/\\]+$",
        description="its name, kept with the year and named in errors",
    )
    dry_run: bool = Field(default=False, description="validate and compare only; store nothing")


class CalendarUpload(Request):
    """What identifies an uploaded file for its Idempotency-Key: its name and content."""

    file: str
    sha256: str
    dry_run: bool


class CalendarDayOut(Response):
    day: date
    working: bool = Field(description="false: a holiday; true: a make-up working day (调休)")
    name: str


class CalendarYearOut(Response):
    """A loaded year: where its days come from, who loaded it and when."""

    year: int
    source: str
    file: str
    digest: str
    loaded_by: str
    loaded_at: datetime
    holidays: int = Field(description="holidays the notice names")
    workdays: int = Field(description="make-up working days the notice names")
    package_disagrees: list[date] = Field(
        default_factory=list,
        description="days on which a newer calendar package, which is used, says otherwise",
    )


class CalendarLoadOut(Response):
    """What loading a file did: `loaded`; `dry_run` (valid, nothing stored); `already_loaded`
    (the same days are loaded); `same_as_package` (the package knows the year and agrees:
    nothing stored)."""

    outcome: Outcome
    year: int
    source: str
    file: str
    digest: str
    holidays: int
    workdays: int
    days: list[CalendarDayOut]
    loaded_by: str | None = None
    loaded_at: datetime | None = None
    resolved_tasks: int = Field(default=0, description="working_calendar_gap tasks resolved")


class CalendarPackageOut(Response):
    name: str
    version: str
    first_year: int
    last_year: int


class CalendarYearsOut(Response):
    """Every year the working-day calendar knows: the package's, and those loaded by admins."""

    package: CalendarPackageOut
    loaded: list[CalendarYearOut]
