"""`o2c scheduler`: the scheduler alone, or every job once for a given moment."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import configured, fail

if TYPE_CHECKING:
    from service.db import Database
    from service.settings import Settings
    from service.workflow import Workflows

scheduler_app = typer.Typer(
    help="The scheduler: alone (`o2c scheduler`) or one run for a given moment (`run-once`).",
    invoke_without_command=True,
)


def _ready(settings: Settings) -> tuple[Database, Workflows]:
    """The migrated database and the machines, or one line saying why not."""
    from service import bootstrap
    from service.db import Database
    from service.migrate import SchemaOutdated, assert_current
    from workflows import WorkflowDefinitionError

    db = Database(settings.database_url)
    try:
        assert_current(db)
        runtime = bootstrap.runtime(settings, db)
        # The deployment's calendar years, and where this process reads the loaded ones.
        bootstrap.calendar(runtime)
        return db, runtime.workflows
    except (SchemaOutdated, WorkflowDefinitionError, bootstrap.ConfigurationError) as exc:
        raise fail(str(exc)) from None


@scheduler_app.callback()
def scheduler_alone(ctx: typer.Context) -> None:
    """Run the scheduler as its own process (for deployments that serve with it disabled)."""
    if ctx.invoked_subcommand is not None:
        return
    import signal

    from service import bootstrap
    from service.heap import settle_heap
    from service.scheduler.process import SchedulerProcess

    settings = configured()
    db, workflows = _ready(settings)
    process = SchedulerProcess(settings, db, jobs=bootstrap.jobs(), workflows=workflows)
    signal.signal(signal.SIGTERM, lambda *_: process.stop())
    settle_heap()  # as a server does: the jobs' collections walk only what they make
    process.start()
    typer.echo(f"scheduler {process.holder} started; it runs jobs while it holds the lease")
    try:
        process.wait()
    except KeyboardInterrupt:
        process.stop()


@scheduler_app.command("run-once")
def scheduler_run_once(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="the moment to run for, ISO 8601 (no zone: the business time zone); default now",
        ),
    ] = None,
) -> None:
    """Run every job once for a given moment: how operators and tests drive time."""
    from datetime import datetime

    from service import bootstrap
    from service.db import utcnow
    from service.scheduler.runner import run_due

    settings = configured()
    moment = utcnow()
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            raise fail(f"--as-of: not an ISO 8601 date or date-time: {as_of!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=settings.tz)
    db, workflows = _ready(settings)
    results = run_due(
        db,
        jobs=bootstrap.jobs(),
        workflows=workflows,
        as_of=moment,
        tz=settings.tz,
        settings=settings,
    )
    for result in results:
        typer.echo(result.summary())
    if any(result.problems for result in results):
        raise typer.Exit(1)
