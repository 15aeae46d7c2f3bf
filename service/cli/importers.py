"""The commands of the features' importers: `o2c import <name> FILE --user U [--dry-run]
[--report FILE] [--progress/--no-progress] [--chunk-size N]`, one per importer.

Exit status: 0 every document booked or already booked (or, in a dry run, would be), 1 some
refused (or the database stopped the run), 2 nothing imported (unknown user, bad file, database
not migrated). (No `from __future__ import annotations`: the options name the importer.)"""

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, get_type_hints

import typer

from service.cli.common import ProgressBar

if TYPE_CHECKING:
    from typer._click.core import Command

    from service.imports import Importer, ImportReport


@cache
def commands() -> dict[str, "Command"]:
    """A click command per importer of the composition root, by name."""
    from service import bootstrap

    made = {}
    for name, importer in bootstrap.importers().items():
        app = typer.Typer()
        app.command(name, help=importer.help)(_command(importer))
        made[name] = typer.main.get_command(app)
    return made


def _command(importer: "Importer") -> Callable[..., None]:
    roles = ", ".join(sorted(importer.roles))

    def run(
        file: Annotated[
            Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the CSV file")
        ],
        user: Annotated[
            str, typer.Option("--user", "-u", help=f"who imports: an active user ({roles})")
        ],
        dry_run: Annotated[
            bool,
            typer.Option(
                "--dry-run", help="book each chunk and roll it back: say what would be booked"
            ),
        ] = False,
        report: Annotated[
            Path | None, typer.Option(help="write every row's outcome to this CSV file")
        ] = None,
        progress: Annotated[
            bool, typer.Option("--progress/--no-progress", help="progress bar (only on a terminal)")
        ] = True,
        chunk_size: Annotated[
            int,
            typer.Option(
                min=1,
                max=5000,
                help=f"{importer.unit}s per write transaction (SQLite: others wait)",
            ),
        ] = 200,
    ) -> None:
        result = _run(importer, file, user, dry_run, chunk_size, progress)
        for row in result.problems:
            typer.echo(f"line {row.line}: {row.reason}")
        if report is not None:
            from service.imports import write_report

            write_report(report, result)
        typer.echo(result.summary())
        if result.refused:
            raise typer.Exit(1)

    # The option's help texts name this importer: resolve the annotations (strings under
    # `from __future__ import annotations`) here, where `roles` and `importer` are known.
    local = {"roles": roles, "importer": importer}
    run.__annotations__ = get_type_hints(run, localns=local, include_extras=True)
    return run


def _run(
    importer: "Importer", file: Path, user: str, dry_run: bool, chunk_size: int, progress: bool
) -> "ImportReport":
    from service import bootstrap
    from service.db import Database
    from service.errors import DomainError
    from service.imports import ImportStopped, run_import
    from service.migrate import SchemaOutdated, assert_current
    from service.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        raise _fail(str(exc), 2) from None
    db = Database(settings.database_url)
    advance = ProgressBar(importer.unit, shown=progress)

    try:
        assert_current(db)
        return run_import(
            bootstrap.runtime(settings, db),
            importer,
            path=file,
            username=user,
            dry_run=dry_run,
            chunk_size=chunk_size,
            progress=advance,
        )
    except (DomainError, SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise _fail(str(exc), 2) from None
    except ImportStopped as exc:
        for row in exc.report.problems:
            typer.echo(f"line {row.line}: {row.reason}")
        typer.echo(exc.report.summary())
        raise _fail(f"{exc}; what was booked before stays; rerun the same file", 1) from None
    except KeyboardInterrupt:
        raise _fail(
            "interrupted; what was booked stays; rerun the same file to go on", 130
        ) from None
    finally:
        advance.close()
        db.dispose()


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"o2c: {message}", err=True)
    return typer.Exit(code)
