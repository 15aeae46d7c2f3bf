"""`o2c ar`: the receivables ledger from the command line."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from service.cli.common import configured, database_problem, fail, read_database

if TYPE_CHECKING:
    from service.receivables.schemas import AgeingOut, AgeingRow, AgeingTotals

ar_app = typer.Typer(help="Receivables: the ledger check and the ageing.", no_args_is_help=True)


@ar_app.command("check")
def ar_check() -> None:
    """Check the ledger identity over the whole database from the source documents; name every
    customer and invoice where it fails (exit 1 if any)."""
    from sqlalchemy.exc import SQLAlchemyError

    from service import bootstrap
    from service.db import Database
    from service.migrate import SchemaOutdated, assert_current
    from service.receivables.check import check
    from workflows import WorkflowDefinitionError

    settings = configured()
    db = Database(settings.database_url)
    try:
        assert_current(db)
        workflows = bootstrap.workflows(settings.workflows_dir)
        with db.read() as session:
            report = check(session, workflows)
    except (SchemaOutdated, WorkflowDefinitionError) as exc:
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


def _table(report: AgeingOut) -> list[str]:
    """The ageing as aligned columns: a customer per line, the totals last."""
    codes = [b.code for b in report.buckets]

    def amounts(row: AgeingRow | AgeingTotals) -> list[str]:
        figures = [*(row.buckets[c] for c in codes), row.outstanding, row.overdue, row.unapplied]
        return [f"{amount:,}" for amount in figures]

    head = ["customer", "grade", *codes, "outstanding", "overdue", "unapplied"]
    lines = [[r.customer_code, r.grade, *amounts(r)] for r in report.customers]
    lines.append(["total", "", *amounts(report.totals)])
    widths = [max(len(row[i]) for row in [head, *lines]) for i in range(len(head))]

    def shown(row: list[str]) -> str:
        cells = [
            c.rjust(w) if i > 1 else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        return "  ".join(cells).rstrip()

    return [shown(head), *map(shown, lines)]


@ar_app.command("ageing")
def ar_ageing(
    basis: Annotated[
        str, typer.Option(help="due: days past the due date; receipt: days since receipt")
    ] = "due",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="count the days to this date (today)")
    ] = None,
    customer: Annotated[str | None, typer.Option(help="one customer's code")] = None,
    grade: Annotated[str | None, typer.Option(help="customers of this grade")] = None,
    branch: Annotated[str | None, typer.Option(help="customers of this branch")] = None,
    csv: Annotated[
        Path | None, typer.Option("--csv", help="write the ageing to this CSV file instead")
    ] = None,
    lang: Annotated[
        str | None, typer.Option(help="the CSV header in words of en or zh (default: codes)")
    ] = None,
) -> None:
    """What each customer owes in the ageing's buckets (the ageing_buckets setting), with
    unapplied credit and totals, as a table or a CSV file for Excel."""
    from service import bootstrap
    from service.clock import business_date
    from service.receivables import ageing, words

    settings = configured()
    if basis not in ageing.BASES:
        raise fail(f"--basis: {basis!r} is not one of {', '.join(ageing.BASES)}")
    if lang not in {None, "en", "zh"}:
        raise fail(f"--lang: {lang!r} is not one of en, zh")
    try:
        day = date.fromisoformat(as_of) if as_of else business_date(settings.tz)
    except ValueError:
        raise fail(f"--as-of: {as_of!r} is not a date (YYYY-MM-DD)") from None
    chosen: Literal["due", "receipt"] = "due" if basis == "due" else "receipt"
    buckets = ageing.Buckets.of(chosen, day, settings.ageing_buckets)
    report = read_database(
        settings,
        lambda session: ageing.ageing(
            session, buckets, customer=customer, grade=grade, branch=branch
        ),
    )
    summary = f"{report.totals.customers} customer(s), by {basis} date as of {day}"
    if csv is not None:
        if lang:
            bootstrap.messages()
        try:
            csv.write_bytes(words.ageing_csv(report, lang))
        except OSError as exc:
            raise fail(f"{csv}: {exc.strerror or exc}") from None
        typer.echo(f"ageing written to {csv}: {summary}")
        return
    typer.echo(f"receivables ageing: {summary}")
    for line in _table(report):
        typer.echo(line)
