"""The `o2c` command: serve, migrate, demo data, users and tokens, workflow checks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.engine import make_url

from service.imports_cli import import_app
from service.settings import Settings, SettingsError, load_settings

app = typer.Typer(
    help="Order-to-cash workflow service.", no_args_is_help=True, pretty_exceptions_enable=False
)
users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once; only a hash is kept).", no_args_is_help=True)
workflows_app = typer.Typer(help="Workflow definitions.", no_args_is_help=True)
rules_app = typer.Typer(help="YAML rule sets.", no_args_is_help=True)
scheduler_app = typer.Typer(
    help="The scheduler: alone (`o2c scheduler`) or one run for a given moment (`run-once`).",
    invoke_without_command=True,
)
app.add_typer(users_app, name="users")
app.add_typer(tokens_app, name="tokens")
app.add_typer(workflows_app, name="workflows")
app.add_typer(rules_app, name="rules")
app.add_typer(import_app, name="import")
app.add_typer(scheduler_app, name="scheduler")


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except SettingsError as exc:
        typer.echo(f"o2c: {exc}", err=True)
        raise typer.Exit(2) from None


def _fail(message: str) -> typer.Exit:
    typer.echo(f"o2c: {message}", err=True)
    return typer.Exit(1)


def _refused(error: Exception) -> typer.Exit:
    """A refusal in words (the catalogs are loaded only when one must be shown)."""
    from service import bootstrap

    bootstrap.messages()
    return _fail(str(error))


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema to the newest migration."""
    from service.db import Database
    from service.migrate import upgrade

    settings = _settings()
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
) -> None:
    """Run the HTTP API (and, when enabled, the scheduler)."""
    import uvicorn

    from rules import RuleSetError
    from service import bootstrap
    from service.app import create_app
    from service.db import Database
    from service.demo import DEMO_TOKENS
    from service.demo import load as load_demo
    from service.i18n import CatalogError
    from service.migrate import SchemaOutdated, upgrade
    from workflows import WorkflowDefinitionError

    settings = _settings(host=host, port=port, demo=demo)
    db = Database(settings.database_url)
    try:
        if settings.demo:
            upgrade(db)
            load_demo(bootstrap.runtime(settings, db))
        application = create_app(settings, db=db)
    except (SchemaOutdated, WorkflowDefinitionError, CatalogError) as exc:
        raise _fail(str(exc)) from None
    except RuleSetError as exc:
        raise _fail(f"rule file refused: {exc}") from None
    base = f"http://{settings.host}:{settings.port}"
    typer.echo(f"API docs: {base}/docs   (OpenAPI: {base}/openapi.json)")
    typer.echo(f"database: {make_url(db.url).render_as_string(hide_password=True)}")
    if settings.demo:
        typer.echo("demo mode: demo tokens (send as 'Authorization: Bearer <token>'):")
        for role, token in DEMO_TOKENS.items():
            typer.echo(f"  {role:<10} {token}")
    uvicorn.run(application, host=settings.host, port=settings.port, log_level=settings.log_level)


@app.command("demo")
def demo_load() -> None:
    """Load the demo data into the configured database (skipped if already there)."""
    from service import bootstrap
    from service.db import Database
    from service.demo import load as load_demo
    from service.migrate import upgrade

    settings = _settings()
    db = Database(settings.database_url)
    upgrade(db)
    loaded = load_demo(bootstrap.runtime(settings, db))
    typer.echo("demo data loaded" if loaded else "demo data was already there")


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="repeat for several roles")],
    name: Annotated[str, typer.Option(help="display name")] = "",
) -> None:
    """Create a user with one or more roles."""
    from service.auth import tokens
    from service.db import Database
    from service.errors import DomainError

    db = Database(_settings().database_url)
    try:
        with db.write() as session:
            tokens.create_user(session, username=username, roles=role, display_name=name)
    except DomainError as exc:
        raise _refused(exc) from None
    typer.echo(f"user {username} created with roles {', '.join(sorted(set(role)))}")


@users_app.command("list")
def users_list() -> None:
    """List users and their roles."""
    from sqlalchemy import select

    from service.auth.models import User
    from service.db import Database

    db = Database(_settings().database_url)
    with db.read() as session:
        for user in session.scalars(select(User).order_by(User.username)):
            state = "" if user.active else " (inactive)"
            typer.echo(f"{user.username:<24} {','.join(user.roles)}{state}")


@tokens_app.command("issue")
def tokens_issue(
    username: str, name: Annotated[str, typer.Option(help="what the token is for")] = ""
) -> None:
    """Issue a new API token for a user and print it (it is shown only once)."""
    from service.auth import tokens
    from service.db import Database
    from service.errors import DomainError

    db = Database(_settings().database_url)
    try:
        with db.write() as session:
            token = tokens.issue_token(session, username=username, name=name)
    except DomainError as exc:
        raise _refused(exc) from None
    typer.echo(token)


@tokens_app.command("revoke")
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="the token or its first 12 chars")],
) -> None:
    """Revoke a token."""
    from service.auth import tokens
    from service.db import Database

    db = Database(_settings().database_url)
    with db.write() as session:
        count = tokens.revoke_token(session, prefix=prefix)
    if not count:
        raise _fail("no live token starts with that prefix")
    typer.echo(f"revoked {count} token(s)")


@workflows_app.command("check")
def workflows_check(
    directory: Annotated[
        Path | None, typer.Argument(help="default: the packaged definitions")
    ] = None,
) -> None:
    """Validate workflow YAML files against the service's states, roles, guards and tags."""
    from service import bootstrap
    from workflows import WorkflowDefinitionError

    try:
        flows = bootstrap.workflows(directory).flows
    except WorkflowDefinitionError as exc:
        raise _fail(str(exc)) from None
    for flow in flows.values():
        typer.echo(f"{flow.name}: {len(flow.states)} states, {len(flow.transitions)} transitions")


@workflows_app.command("diagram")
def workflows_diagram(machine: str) -> None:
    """Print a machine as a Mermaid state diagram."""
    from service import bootstrap
    from workflows import WorkflowDefinitionError

    try:
        flows = bootstrap.workflows(_settings().workflows_dir).flows
    except WorkflowDefinitionError as exc:
        raise _fail(str(exc)) from None
    if machine not in flows:
        raise _fail(f"no workflow {machine!r}; known: {', '.join(flows)}")
    typer.echo(flows[machine].mermaid())


@rules_app.command("check")
def rules_check(
    directory: Annotated[
        Path | None, typer.Argument(help="default: the packaged rule sets")
    ] = None,
) -> None:
    """Validate rule files: structure, vocabulary, and each rule set's own examples."""
    from rules import DEFAULT_DIR, check_dir

    reports = check_dir(directory or DEFAULT_DIR)
    for report in reports:
        typer.echo(str(report), err=not report.ok)
    if not reports:
        raise _fail(f"no rule files (*.yaml) in {directory or DEFAULT_DIR}")
    if not all(report.ok for report in reports):
        raise typer.Exit(1)


@rules_app.command("status")
def rules_status() -> None:
    """Print the rule-set versions the configured rules directory puts in force today."""
    from service.rulesets.commands import CommandFailed, status_lines

    try:
        typer.echo("\n".join(status_lines(_settings())))
    except CommandFailed as exc:
        raise _fail(str(exc)) from None


@rules_app.command("dry-run")
def rules_dry_run(file: Annotated[Path, typer.Argument(help="the candidate rule file")]) -> None:
    """What a candidate rule file would decide differently on the open items of the configured
    database, against the rule set in force; changes nothing."""
    from service import bootstrap
    from service.rulesets.commands import CommandFailed, dry_run_lines

    settings = _settings()
    bootstrap.messages()
    try:
        workflows = bootstrap.workflows(settings.workflows_dir)
        lines = dry_run_lines(settings, file, workflows=workflows, bindings=bootstrap.rulesets())
        typer.echo("\n".join(lines))
    except CommandFailed as exc:
        raise _fail(str(exc)) from None


@scheduler_app.callback()
def scheduler_alone(ctx: typer.Context) -> None:
    """Run the scheduler as its own process (for deployments that serve with it disabled)."""
    if ctx.invoked_subcommand is not None:
        return
    import signal

    from service import bootstrap
    from service.db import Database
    from service.migrate import SchemaOutdated, assert_current
    from service.scheduler.process import SchedulerProcess
    from workflows import WorkflowDefinitionError

    settings = _settings()
    db = Database(settings.database_url)
    try:
        assert_current(db)
        workflows = bootstrap.workflows(settings.workflows_dir)
    except (SchemaOutdated, WorkflowDefinitionError) as exc:
        raise _fail(str(exc)) from None
    process = SchedulerProcess(settings, db, jobs=bootstrap.jobs(), workflows=workflows)
    signal.signal(signal.SIGTERM, lambda *_: process.stop())
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
    from service.db import Database, utcnow
    from service.migrate import SchemaOutdated, assert_current
    from service.scheduler.runner import run_due
    from workflows import WorkflowDefinitionError

    settings = _settings()
    moment = utcnow()
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError:
            raise _fail(f"--as-of: not an ISO 8601 date or date-time: {as_of!r}") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=settings.tz)
    db = Database(settings.database_url)
    try:
        assert_current(db)
        workflows = bootstrap.workflows(settings.workflows_dir)
    except (SchemaOutdated, WorkflowDefinitionError) as exc:
        raise _fail(str(exc)) from None
    results = run_due(db, jobs=bootstrap.jobs(), workflows=workflows, as_of=moment, tz=settings.tz)
    for result in results:
        typer.echo(result.summary())
    if any(result.problems for result in results):
        raise typer.Exit(1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
