"""`o2c golive`: checks at cut-over from the old system."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from service.cli.common import configured, database_problem

if TYPE_CHECKING:
    from service.receivables.golive import GoLiveReport

golive_app = typer.Typer(help="Go-live: check the service against the old system.")

CHECK_HELP = """Compare each customer's receivable, overdue and unapplied credit with a control file
exported from the old system.

Header: customer_code,receivable,overdue,unapplied_credit

receivable is what the customer owes on open invoices, overdue the part of it on invoices due
before the as-of date, unapplied_credit the credit held for it not yet applied (amounts such as
1234.50 or 1,234.50). Every difference is named: a customer missing on either side, each figure
that differs with both values and the difference. Exit status: 0 all agree, 1 some differ,
2 the file or the database cannot be read (the line and column named).
"""


def _stop(message: str) -> typer.Exit:
    typer.echo(f"o2c: {message}", err=True)
    return typer.Exit(2)


def _write(report: GoLiveReport, target: Path) -> None:
    from service.receivables.golive import REPORT_HEADER

    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REPORT_HEADER)
        writer.writerows(d.row() for d in report.differences)


@golive_app.command("check", help=CHECK_HELP)
def golive_check(
    control: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the control file")
    ],
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="overdue: due before this date (today)")
    ] = None,
    report: Annotated[
        Path | None, typer.Option(help="write every difference to this CSV file")
    ] = None,
    only_listed: Annotated[
        bool,
        typer.Option(
            "--only-listed", help="compare only the customers the file lists (a partial go-live)"
        ),
    ] = False,
) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from service import bootstrap
    from service.clock import business_date
    from service.db import Database
    from service.errors import DomainError
    from service.migrate import SchemaOutdated, assert_current
    from service.receivables import golive
    from service.receivables.ageing import Buckets

    settings = configured()
    try:
        day = date.fromisoformat(as_of) if as_of else business_date(settings.tz)
    except ValueError:
        raise _stop(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)") from None
    try:
        figures = golive.read_control(control)
    except golive.ControlFileInvalid as exc:
        for problem in exc.problems:
            typer.echo(f"o2c: {control.name}: {problem}", err=True)
        raise typer.Exit(2) from None
    except DomainError as exc:
        bootstrap.messages()
        raise _stop(str(exc)) from None
    db = Database(settings.database_url)
    try:
        assert_current(db)
        with db.read() as session:
            buckets = Buckets.of("due", day, settings.ageing_buckets)
            found = golive.check(session, figures, buckets, only_listed=only_listed)
    except SchemaOutdated as exc:
        raise _stop(str(exc)) from None
    except SQLAlchemyError as exc:
        raise _stop(database_problem(settings.database_url, exc)) from None
    finally:
        db.dispose()
    for difference in found.differences:
        typer.echo(str(difference))
    if report is not None:
        _write(found, report)
        typer.echo(f"differences written to {report}")
    typer.echo(found.summary())
    if not found.ok:
        raise typer.Exit(1)
