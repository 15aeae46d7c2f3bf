"""What a scheduled job is: a function of a session and a moment that raises tasks.

Each feature contributes its jobs through its plug-in; the runner calls every job for one
moment, each in its own transaction. A job computes what is due as of that moment with set-based
queries and raises tasks through their unique key, so reruns, catch-ups and parallel schedulers
are harmless.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from service.clock import business_date
from service.scheduler.tasks import NewTask, raise_tasks, words
from service.settings import Settings
from service.workdays import CalendarGap
from service.workflow import Workflows

SCHEDULER_ACTOR = "scheduler"
# Raised for admins, once per year, when deadlines fall in a year the calendar does not know.
CALENDAR_GAP = "working_calendar_gap"


@dataclass(frozen=True)
class JobRun:
    """The moment a job runs for, the machines it raises tasks through, and the settings of the
    process (the jobs that read a setting need them)."""

    as_of: datetime
    tz: ZoneInfo
    workflows: Workflows
    settings: Settings | None = None

    @property
    def today(self) -> date:
        return business_date(self.tz, self.as_of)

    def end_of_working_day(self, day: date) -> datetime:
        return datetime.combine(day, time(18, 0), tzinfo=self.tz)

    def raise_tasks(self, session: Session, tasks: Sequence[NewTask]) -> list[int]:
        """Raise the tasks not raised yet, by the scheduler, journalled on the run's business
        day (a run as of another day, a catch-up or a replay, is journalled on that day)."""
        return raise_tasks(
            session, self.workflows, tasks, actor=SCHEDULER_ACTOR, business_date=self.today
        )


@dataclass
class JobResult:
    job: str
    as_of: datetime
    candidates: int = 0
    raised: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def summary(self) -> str:
        text = f"{self.job}: {len(self.raised)} task(s) raised of {self.candidates} due"
        return text + "".join(f"\n  problem: {p}" for p in self.problems)


Job = Callable[[Session, JobRun], JobResult]


def calendar_gap_task(run: JobRun, gap: CalendarGap, waiting: list[date], what: str) -> NewTask:
    """Someone must load the year or upgrade the working-day calendar: until then `what` cannot
    be judged. Loading the year resolves the task."""
    year = gap.day.year
    return NewTask(
        kind=CALENDAR_GAP,
        subject_type="calendar_year",
        subject_id=year,
        period=str(year),
        owner_role="admin",
        title=(
            f"The working-day calendar does not know {year}: {what} cannot be computed; "
            f"load the State Council's holidays of {year} (o2c calendar load, /web/calendar) "
            "or upgrade chinesecalendar"
        ),
        due_at=run.end_of_working_day(run.today + timedelta(days=1)),
        words=words("tasks.title.working_calendar_gap", year=year),
        detail={"year": year, "waiting": waiting, "error": str(gap)},
    )
