"""At every start: the deployment's calendar files checked and loaded, the loaded years compared
with the calendar package, and this process's working days told where the loaded years are.

A broken file stops the start with one line naming the file and the reason. A loaded year that a
newer calendar package knows differently is loud: an error line and one admin task naming the
dates (the package's days are used).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from service import workdays
from service.auth.tokens import Actor
from service.calendar_years import notice as notices
from service.calendar_years.notice import Notice
from service.calendar_years.queries import package_disagreement
from service.calendar_years.usecases import load_notice
from service.errors import DomainError, Invalid
from service.runtime import Runtime
from service.scheduler.jobs import SCHEDULER_ACTOR
from service.scheduler.tasks import NewTask, raise_tasks, words
from service.workcalendar import WorkingCalendarYear

log = logging.getLogger("o2c.calendar")
# Who loads the deployment's files at start.
STARTUP = Actor(user_id=0, username="startup", roles=frozenset({"admin"}))
DISAGREEMENT = "working_calendar_disagreement"
SUFFIXES = (".yaml", ".yml")


class CalendarFileRefused(Exception):
    """A deployment calendar file is refused: one line naming the file and the reason."""


def files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise CalendarFileRefused(f"calendar_dir: no such directory {str(directory)!r}")
    return sorted(p for p in directory.iterdir() if p.suffix in SUFFIXES and p.is_file())


def read(directory: Path) -> list[Notice]:
    """Every file of the directory, validated; the first refused one raises."""
    found = []
    for path in files(directory):
        try:
            text = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CalendarFileRefused(f"{path}: not a readable UTF-8 file: {error}") from None
        try:
            found.append(notices.parse(text, file=path.name))
        except Invalid as error:
            raise CalendarFileRefused(f"{path.parent}/{notices.one_line(error)}") from None
    return found


def _disagreement(year: int, differing: list[date], due: datetime) -> NewTask:
    version = workdays.package_version()
    return NewTask(
        kind=DISAGREEMENT,
        subject_type="calendar_year",
        subject_id=year,
        period=f"chinesecalendar {version}"[:32],
        owner_role="admin",
        title=(
            f"chinesecalendar {version} now knows {year} and differs from the loaded notice on "
            f"{len(differing)} day(s); the package's days are used"
        ),
        due_at=due,
        words=words(
            "tasks.title.working_calendar_disagreement",
            version=version,
            year=year,
            days=len(differing),
        ),
        detail={"year": year, "package_version": version, "dates": differing},
    )


def sync(runtime: Runtime) -> None:
    """Load the directory's years not yet loaded, check the loaded ones against the package."""
    db = runtime.db
    for notice in read(runtime.settings.calendar_path):
        try:
            with db.write() as session:
                outcome = load_notice(session, runtime.for_actor(STARTUP), notice=notice)
        except DomainError as error:
            raise CalendarFileRefused(
                f"{runtime.settings.calendar_path}/{notice.file}: {error.detail}"
            ) from None
        if outcome.outcome != "already_loaded":
            log.info("calendar %s (%s): %s", notice.year, notice.file, outcome.outcome)
    workdays.follow(db.lookup)
    workdays.refresh()
    due = runtime.clock.now() + timedelta(days=1)
    with db.write() as session:
        tasks = []
        for year in session.scalars(select(WorkingCalendarYear.year)).all():
            differing = package_disagreement(session, year)
            if differing:
                log.error(
                    "the working days of %s loaded from a notice differ from chinesecalendar %s "
                    "on %s; the package's days are used",
                    year,
                    workdays.package_version(),
                    ", ".join(d.isoformat() for d in differing),
                )
                tasks.append(_disagreement(year, differing, due))
        if tasks:
            raise_tasks(session, runtime.workflows, tasks, actor=SCHEDULER_ACTOR)
