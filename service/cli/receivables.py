"""`o2c ar`: the receivables ledger from the command line."""

from __future__ import annotations

import typer

from service.cli.common import configured, database_problem, fail

ar_app = typer.Typer(help="Receivables: the ledger check.", no_args_is_help=True)


@ar_app.command("check")
def ar_check() -> None:
    """Check the ledger identity over the whole database from the source documents; name every
    customer and invoice where it fails (exit 1 if any)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.db import Database
    from service.migrate import SchemaOutdated, assert_current
    from service.receivables.check import check

    settings = configured()
    db = Database(settings.database_url)
    try:
        assert_current(db)
        with db.read() as session:
            report = check(session)
    except SchemaOutdated as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise fail(database_problem(settings.database_url, exc)) from None
    finally:
        db.dispose()
    for failure in report.failures:
        typer.echo(str(failure))
    summary = f"{report.customers} customer(s), {report.invoices} invoice(s) checked"
    if not report.ok:
        raise fail(f"ledger identity fails: {len(report.failures)} problem(s); {summary}")
    typer.echo(f"ledger identity holds: {summary}")
