"""What every command shares: settings that stop the command with one line, and failures."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from service.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Answer = TypeVar("Answer")


class ProgressBar:
    """A progress bar shown on a terminal once the total is known (an import's `progress`
    callback); `close` it when done."""

    def __init__(self, unit: str, *, shown: bool) -> None:
        self.unit, self.shown = unit, shown
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            import sys

            from tqdm import tqdm

            shown = self.shown and sys.stderr.isatty()
            self.bar = tqdm(total=total, unit=self.unit, disable=not shown)
        self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def configured(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        typer.echo(f"o2c: {exc}", err=True)
        raise typer.Exit(2) from None


def fail(message: str) -> typer.Exit:
    typer.echo(f"o2c: {message}", err=True)
    return typer.Exit(1)


def refused(error: Exception) -> typer.Exit:
    """A refusal in words (the catalogs are loaded only when one must be shown)."""
    from service import bootstrap

    bootstrap.messages()
    return fail(str(error))


def database_problem(url: str, error: Exception) -> str:
    """One line for a database that cannot be reached or used."""
    from sqlalchemy.engine import make_url

    cause = str(getattr(error, "orig", None) or error).strip().splitlines()
    shown = make_url(url).render_as_string(hide_password=True)
    return f"database {shown}: {cause[0] if cause else type(error).__name__}"


def read_database(settings: Settings, query: Callable[[Session], Answer]) -> Answer:
    """`query` on a read session of the configured database; a database that cannot be reached
    or is not migrated stops the command in one line."""
    from sqlalchemy.exc import SQLAlchemyError

    from service.db import Database
    from service.migrate import SchemaOutdated, assert_current

    db = Database(settings.database_url)
    try:
        assert_current(db)
        with db.read() as session:
            return query(session)
    except SchemaOutdated as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise fail(database_problem(settings.database_url, exc)) from None
    finally:
        db.dispose()
