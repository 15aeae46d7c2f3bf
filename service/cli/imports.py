"""`o2c import ...`: bulk loading of documents from CSV files.

Besides the commands written here, every feature's importer (`service.imports`) is a command
`o2c import <name>`, made when the import group is first used (so other commands do not load
every feature)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from typer.core import TyperGroup

from service.cli.common import ProgressBar

if TYPE_CHECKING:
    # Typer carries its own click: its groups take its commands and contexts.
    from typer._click.core import Command, Context

    from service.receipts.importreport import ImportReport


class _Imports(TyperGroup):
    """The import group: its written commands and, made on first use, the importers'."""

    def _made(self) -> None:
        from service.cli.importers import commands

        for name, command in commands().items():
            self.commands.setdefault(name, command)

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        self._made()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Context) -> list[str]:
        self._made()
        return sorted(super().list_commands(ctx))


import_app = typer.Typer(
    cls=_Imports, help="Import documents from CSV files.", no_args_is_help=True
)

RECEIPTS_HELP = """Post signed receipts (R6, R8) from a CSV file, one row per receipt line.

Header: company_order_no,receipt_no,receipt_date,line_no,received_qty,item_code,evidence

Rows with the same company_order_no and receipt_no are one receipt. item_code (optional) is the
model received when it is not the one ordered; evidence is the scan's path relative to the file.

A receipt with a bad row is not booked at all and each bad row is reported by its line; a rerun
of the same file books nothing twice. Exit status: 0 everything posted or already posted, 1 some
receipts refused, 2 nothing imported (unknown user, bad header, database not migrated).
"""


@import_app.command("receipts", help=RECEIPTS_HELP)
def receipts(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the CSV file")
    ],
    user: Annotated[
        str, typer.Option("--user", "-u", help="who posts: an active user with the logistics role")
    ],
    report: Annotated[
        Path | None, typer.Option(help="write every row's outcome to this CSV file")
    ] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="progress bar (only on a terminal)")
    ] = True,
    chunk_size: Annotated[
        int,
        typer.Option(
            min=1, max=1000, help="receipts per write transaction (SQLite: others wait meanwhile)"
        ),
    ] = 200,
) -> None:
    from service import bootstrap
    from service.db import Database
    from service.errors import DomainError
    from service.migrate import SchemaOutdated, assert_current
    from service.receipts.importer import import_receipts
    from service.receipts.importreport import ImportStopped
    from service.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None
    db = Database(settings.database_url)
    advance = ProgressBar("receipt", shown=progress)

    stopped: ImportStopped | None = None
    try:
        assert_current(db)
        result: ImportReport = import_receipts(
            bootstrap.runtime(settings, db),
            path=file,
            username=user,
            chunk_size=chunk_size,
            progress=advance,
        )
    except (DomainError, SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise _fail(str(exc), 2) from None
    except ImportStopped as exc:
        stopped, result = exc, exc.report
    except KeyboardInterrupt:
        raise _fail(
            "interrupted; what was posted stays; rerun the same file to go on", 130
        ) from None
    finally:
        advance.close()
        db.dispose()
    for row in result.problems:
        typer.echo(f"line {row.line}: {row.reason}")
    if report is not None:
        _write_report(report, result)
    typer.echo(
        f"rows read: {result.rows_read}; receipts posted: {result.posted} "
        f"({result.exceptions} receipt exceptions recorded), already posted: "
        f"{result.already_posted}, refused: {result.refused}"
    )
    if stopped is not None:
        raise _fail(f"{stopped}; what was posted before stays; rerun the same file", 1)
    if result.refused:
        raise typer.Exit(1)


def _write_report(path: Path, result: ImportReport) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "company_order_no", "receipt_no", "outcome", "reason"])
        for row in result.rows:
            writer.writerow(
                [row.line, row.company_order_no, row.receipt_no, row.outcome, row.reason]
            )


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"o2c: {message}", err=True)
    return typer.Exit(code)


@import_app.command("bookings")
def bookings(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the CSV file")
    ],
    user: Annotated[
        str, typer.Option("--user", "-u", help="who records: a user with the finance role")
    ],
) -> None:
    """Record customers' bookings (one row per booked item) against issued invoices.

    Header: fapiao_no,reference,booked_on,item_code,quantity,unit_price,amount,tax,discount.
    Each discrepancy opens an invoice exception. Exit status 1 if a booking was refused.
    """
    from service import bootstrap
    from service.db import Database
    from service.errors import DomainError
    from service.invoices.exceptions.importer import import_bookings
    from service.migrate import SchemaOutdated, assert_current
    from service.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(f"o2c: {exc}", err=True)
        raise typer.Exit(2) from None
    db = Database(settings.database_url)
    try:
        assert_current(db)
        report = import_bookings(bootstrap.runtime(settings, db), path=file, username=user)
    except (DomainError, SchemaOutdated, bootstrap.ConfigurationError) as exc:
        typer.echo(f"o2c: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.dispose()
    for problem in report.problems:
        typer.echo(problem, err=True)
    typer.echo(
        f"bookings recorded: {report.recorded} ({report.exceptions} invoice exceptions "
        f"opened), already recorded: {report.already}, refused: {report.refused}"
    )
    if report.refused:
        raise typer.Exit(1)


BANK_HELP = """Import a bank statement's credit lines (R23) from the bank's CSV file and match them.

Columns (Chinese or English names): value_date (交易日期), amount (贷方金额/金额), payer
(对方户名), bank_reference (流水号), remittance (附言, optional); other columns are kept as
read. UTF-8 (a BOM is fine) or GBK/GB18030. Amounts like 1,234.50; debits (negative) are
skipped and counted.

Each line is stored once by its bank reference and booked as a payment when its remittance
text names without doubt what it pays (a statement, invoices or fapiao whose amount it equals);
the rest waits for finance (/web/bank-lines). A bad line is reported as `line N: field: reason`
and nothing of it is stored; a rerun of the same file books nothing twice. Exit status: 0 every
line imported, already imported or skipped, 1 some lines refused, 2 nothing imported (unknown
user, bad file, database not migrated).
"""


@import_app.command("bank-statement", help=BANK_HELP)
def bank_statement(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the CSV file")
    ],
    user: Annotated[
        str, typer.Option("--user", "-u", help="who imports: an active user with the finance role")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="say what the import would do; store nothing")
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="progress bar (only on a terminal)")
    ] = True,
    chunk_size: Annotated[
        int, typer.Option(min=1, max=1000, help="lines per write transaction")
    ] = 200,
) -> None:
    from service import bootstrap, i18n
    from service.db import Database
    from service.errors import DomainError
    from service.migrate import SchemaOutdated, assert_current
    from service.payments.bankimport import import_file
    from service.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None
    db = Database(settings.database_url)
    advance = ProgressBar("line", shown=progress)

    try:
        assert_current(db)
        result = import_file(
            bootstrap.runtime(settings, db),
            path=file,
            username=user,
            dry_run=dry_run,
            chunk_size=chunk_size,
            progress=advance,
        )
    except (DomainError, SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise _fail(str(exc), 2) from None
    except KeyboardInterrupt:
        raise _fail(
            "interrupted; what was imported stays; rerun the same file to go on", 130
        ) from None
    finally:
        advance.close()
        db.dispose()
    for problem in result.problems:
        typer.echo(f"line {problem.line}: {problem.field}: {problem.reason}")
    for line in result.lines:
        if line.outcome == "waiting" and line.reason:
            why = i18n.text(line.reason, i18n.DEFAULT_LOCALE, line.reason_params or {})
            typer.echo(f"line {line.line}: {line.bank_reference} waits: {why}")
    typer.echo(
        f"{'dry run, nothing stored: ' if dry_run else ''}lines read: {result.lines_read}; "
        f"new: {result.new}, matched: {result.matched} ({result.booked} payments booked), "
        f"waiting: {result.waiting}, already imported: {result.already}, "
        f"skipped: {result.skipped}, refused: {result.errors}"
    )
    if result.errors:
        raise typer.Exit(1)
