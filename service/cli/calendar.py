"""`o2c calendar`: load a year's State Council holidays and make-up working days, list the years."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import configured, database_problem, fail, read_database

calendar_app = typer.Typer(
    help="Working days beyond the calendar package: the years an admin loads.",
    no_args_is_help=True,
)
OUTCOMES = {
    "loaded": "loaded",
    "dry_run": "valid; nothing stored (dry run)",
    "already_loaded": "already loaded with the same days; nothing changed",
    "same_as_package": "the calendar package knows this year with the same days; nothing stored",
}


@calendar_app.command("load")
def calendar_load(
    file: Annotated[Path, typer.Argument(help="the year's file (see config/calendar/README.md)")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="validate and compare only; store nothing")
    ] = False,
) -> None:
    """Load a year's holidays and make-up working days (调休) from a file; exit 1 if refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from service import bootstrap
    from service.auth.tokens import Actor
    from service.calendar_years import notice as notices
    from service.calendar_years.usecases import load_notice
    from service.db import Database
    from service.errors import DomainError, Invalid
    from service.migrate import SchemaOutdated, assert_current

    settings = configured()
    try:
        text = file.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"{file}: not a readable UTF-8 file: {exc}") from None
    bootstrap.messages()
    try:
        notice = notices.parse(text, file=file.name)
    except Invalid as exc:
        for problem in exc.errors:
            typer.echo(f"{file}: {problem.field}: {problem.reason()}", err=True)
        raise fail(str(exc)) from None
    db = Database(settings.database_url)
    try:
        assert_current(db)
        runtime = bootstrap.runtime(settings, db)
        actor = Actor(user_id=0, username="command-line", roles=frozenset({"admin"}))
        with db.write() as session:
            answer = load_notice(session, runtime.for_actor(actor), notice=notice, dry_run=dry_run)
    except (SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise fail(str(exc)) from None
    except DomainError as exc:
        raise fail(f"{file}: {exc}") from None
    except SQLAlchemyError as exc:
        raise fail(database_problem(settings.database_url, exc)) from None
    finally:
        db.dispose()
    typer.echo(
        f"{answer.year}: {OUTCOMES[answer.outcome]} ({answer.holidays} holiday(s), "
        f"{answer.workdays} make-up working day(s); source: {answer.source})"
    )
    if answer.resolved_tasks:
        typer.echo(f"resolved {answer.resolved_tasks} working_calendar_gap task(s)")


@calendar_app.command("years")
def calendar_years_list() -> None:
    """The years the working-day calendar knows: the package's range and each loaded year."""
    from service.calendar_years.queries import calendar_years

    years = read_database(configured(), calendar_years)
    package = years.package
    typer.echo(
        f"{package.first_year}-{package.last_year}  {package.name} {package.version} (package)"
    )
    for year in years.loaded:
        typer.echo(
            f"{year.year}  {year.source}  (file {year.file}, loaded by {year.loaded_by} "
            f"at {year.loaded_at:%Y-%m-%d %H:%M} UTC)"
        )
        if year.package_disagrees:
            shown = ", ".join(d.isoformat() for d in year.package_disagrees)
            typer.echo(
                f"      the package now knows {year.year} and differs on {shown}: it is used"
            )
