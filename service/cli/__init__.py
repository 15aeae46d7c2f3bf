"""The `o2c` command: serve, migrate, demo data; users, tokens, workflows, rules, scheduler,
calendar, imports, receivables, books, go-live (each group in its own module of this package)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from service.cli import serving
from service.cli.admin import rules_app, tokens_app, users_app, workflows_app
from service.cli.books import books_app
from service.cli.calendar import calendar_app
from service.cli.common import configured, database_problem, fail
from service.cli.golive import golive_app
from service.cli.imports import import_app
from service.cli.receivables import ar_app
from service.cli.scheduler import scheduler_app
from service.settings import Settings

app = typer.Typer(
    help="Order-to-cash workflow service.", no_args_is_help=True, pretty_exceptions_enable=False
)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(workflows_app, name="workflows")
app.add_typer(rules_app, name="rules")
app.add_typer(import_app, name="import")
app.add_typer(scheduler_app, name="scheduler")
app.add_typer(calendar_app, name="calendar")
app.add_typer(ar_app, name="ar")
app.add_typer(books_app, name="books")
app.add_typer(golive_app, name="golive")


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from service.db import Database
    from service.migrate import upgrade

    settings = configured()
    db = Database(settings.database_url)
    upgrade(db)
    db.dispose()
    typer.echo("database is at the newest migration")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    demo: Annotated[
        bool | None,
        typer.Option("--demo/--no-demo", help="migrate, load demo data and accept the demo tokens"),
    ] = None,
    workers: Annotated[
        int | None, typer.Option(help="server processes (more than one needs PostgreSQL)")
    ] = None,
    allow_sqlite_workers: Annotated[
        bool, typer.Option(help="serve SQLite from several processes all the same")
    ] = False,
) -> None:
    """Run the HTTP API (and, when enabled, the scheduler)."""
    settings = configured(host=host, port=port, demo=demo, workers=workers)
    serving.refuse_sqlite_workers(settings, allow_sqlite_workers)
    if settings.workers > 1:
        with serving.metrics_directory():
            _serve(settings)
    else:
        _serve(settings)


def _serve(settings: Settings) -> None:
    import logging.config

    import uvicorn
    from sqlalchemy.exc import SQLAlchemyError

    from service import bootstrap
    from service.app import create_app, server_database
    from service.demo import DEMO_PASSWORD, DEMO_TOKENS
    from service.demo import load as load_demo
    from service.migrate import SchemaOutdated, upgrade
    from service.observe import log_config

    logging.config.dictConfig(log_config(settings))
    db = server_database(settings)
    try:
        runtime = bootstrap.runtime(settings, db)
        if settings.demo:
            upgrade(db)
            load_demo(runtime)
        application = create_app(settings, db=db, runtime=runtime)
    except (SchemaOutdated, bootstrap.ConfigurationError) as exc:
        raise fail(str(exc)) from None
    except SQLAlchemyError as exc:
        raise fail(database_problem(settings.database_url, exc)) from None
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"API docs: {base}/docs   (OpenAPI: {base}/openapi.json)")
    typer.echo(f"database: {make_url(db.url).render_as_string(hide_password=True)}")
    if settings.demo:
        typer.echo(f"pages: {base}/web   (log in as demo-<role>, password {DEMO_PASSWORD})")
        typer.echo("demo mode: demo tokens (send as 'Authorization: Bearer <token>'):")
        for role, token in DEMO_TOKENS.items():
            typer.echo(f"  {role:<10} {token}")
    if settings.workers > 1:
        typer.echo(f"workers: {settings.workers}; the scheduler runs in this supervising process")
        serving.run_workers(settings, application)
    else:
        uvicorn.run(application, **serving.uvicorn_options(settings))


@app.command("demo")
def demo_load() -> None:
    """Load the demo data into the configured database (skipped if already there)."""
    from service import bootstrap
    from service.db import Database
    from service.demo import load as load_demo
    from service.migrate import upgrade

    settings = configured()
    db = Database(settings.database_url)
    upgrade(db)
    try:
        loaded = load_demo(bootstrap.runtime(settings, db))
    except bootstrap.ConfigurationError as exc:
        raise fail(str(exc)) from None
    typer.echo("demo data loaded" if loaded else "demo data was already there")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
