"""`o2c books`: the closed period; close the books through a day."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from service.cli.common import configured, database_problem, fail, read_database

books_app = typer.Typer(help="The closed period: no business date on or before it is taken.")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@books_app.command("close")
def books_close(
    through: Annotated[str, typer.Option(help="the last day of the closed period (YYYY-MM-DD)")],
    reason: Annotated[str, typer.Option(help="why; required to move the closing back")] = "",
) -> None:
    """Close the books through a day before today (as an admin: moving back needs --reason)."""
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from service import bootstrap
    from service.auth.tokens import Actor
    from service.books.schemas import ClosingIn
    from service.books.usecases import close
    from service.db import Database
    from service.errors import DomainError
    from service.migrate import SchemaOutdated, assert_current

    settings = configured()
    try:
        data = ClosingIn(through=_day(through), reason=reason)
    except ValidationError as exc:
        raise fail(str(exc)) from None
    db = Database(settings.database_url)
    try:
        assert_current(db)
        runtime = bootstrap.runtime(settings, db)
        actor = Actor(user_id=0, username="command-line", roles=frozenset({"admin"}))
        with db.write() as session:
            answer = close(session, runtime.for_actor(actor), data=data)
    except (SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise fail(str(exc)) from None
    except DomainError as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise fail(database_problem(settings.database_url, exc)) from None
    finally:
        db.dispose()
    typer.echo(f"the books are closed through {answer.closed_through}")


@books_app.command("show")
def books_show() -> None:
    """The day the books are closed through, and who closed them."""
    from service.books.queries import closed_period

    answer = read_database(configured(), closed_period)
    if answer.closed_through is None:
        typer.echo("the books were never closed")
    else:
        typer.echo(
            f"the books are closed through {answer.closed_through} "
            f"(by {answer.closed_by}, {answer.closed_at:%Y-%m-%d %H:%M} UTC)"
        )
