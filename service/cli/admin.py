"""`o2c users`, `o2c tokens`, `o2c workflows`, `o2c rules`: what administrators run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from service.cli.common import configured, fail, refused

users_app = typer.Typer(help="Users and their roles.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens (shown once; only a hash is kept).", no_args_is_help=True)
workflows_app = typer.Typer(help="Workflow definitions.", no_args_is_help=True)
rules_app = typer.Typer(help="YAML rule sets.", no_args_is_help=True)


@users_app.command("add")
def users_add(
    username: str,
    role: Annotated[list[str], typer.Option("--role", "-r", help="repeat for several roles")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    password: Annotated[
        bool, typer.Option("--password", help="ask for a password to log in to the pages")
    ] = False,
) -> None:
    """Create a user with one or more roles (and, with --password, a password for the pages)."""
    from service.auth import passwords, tokens
    from service.db import Database
    from service.errors import DomainError

    secret = _ask_password() if password else None
    db = Database(configured().database_url)
    try:
        with db.write() as session:
            tokens.create_user(session, username=username, roles=role, display_name=name)
            if secret is not None:
                passwords.set_password(session, username=username, password=secret)
    except DomainError as exc:
        raise refused(exc) from None
    typer.echo(f"user {username} created with roles {', '.join(sorted(set(role)))}")


def _ask_password() -> str:
    """Asked twice and never echoed; read from standard input when it is not a terminal."""
    secret: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return secret


@users_app.command("password")
def users_password(username: str) -> None:
    """Set a user's password for the pages (asked twice, not echoed); unlocks the name."""
    from service.auth import passwords
    from service.db import Database
    from service.errors import DomainError

    secret = _ask_password()
    db = Database(configured().database_url)
    try:
        with db.write() as session:
            passwords.set_password(session, username=username, password=secret)
    except DomainError as exc:
        raise refused(exc) from None
    typer.echo(f"password of {username} set")


@users_app.command("list")
def users_list() -> None:
    """List users and their roles."""
    from sqlalchemy import select

    from service.auth.models import User
    from service.db import Database

    db = Database(configured().database_url)
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

    db = Database(configured().database_url)
    try:
        with db.write() as session:
            token = tokens.issue_token(session, username=username, name=name)
    except DomainError as exc:
        raise refused(exc) from None
    typer.echo(token)


@tokens_app.command("revoke")
def tokens_revoke(
    prefix: Annotated[str, typer.Argument(help="the token or its first 12 chars")],
) -> None:
    """Revoke a token."""
    from service.auth import tokens
    from service.db import Database

    db = Database(configured().database_url)
    with db.write() as session:
        count = tokens.revoke_token(session, prefix=prefix)
    if not count:
        raise fail("no live token starts with that prefix")
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
        raise fail(str(exc)) from None
    for flow in flows.values():
        typer.echo(f"{flow.name}: {len(flow.states)} states, {len(flow.transitions)} transitions")


@workflows_app.command("diagram")
def workflows_diagram(machine: str) -> None:
    """Print a machine as a Mermaid state diagram."""
    from service import bootstrap
    from workflows import WorkflowDefinitionError

    try:
        flows = bootstrap.workflows(configured().workflows_dir).flows
    except WorkflowDefinitionError as exc:
        raise fail(str(exc)) from None
    if machine not in flows:
        raise fail(f"no workflow {machine!r}; known: {', '.join(flows)}")
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
        raise fail(f"no rule files (*.yaml) in {directory or DEFAULT_DIR}")
    if not all(report.ok for report in reports):
        raise typer.Exit(1)


@rules_app.command("status")
def rules_status() -> None:
    """Print the rule-set versions the configured rules directory puts in force today."""
    from service.rulesets.commands import CommandFailed, status_lines

    try:
        typer.echo("\n".join(status_lines(configured())))
    except CommandFailed as exc:
        raise fail(str(exc)) from None


@rules_app.command("dry-run")
def rules_dry_run(file: Annotated[Path, typer.Argument(help="the candidate rule file")]) -> None:
    """What a candidate rule file would decide differently on the open items of the configured
    database, against the rule set in force; changes nothing."""
    from service import bootstrap
    from service.rulesets.commands import CommandFailed, dry_run_lines

    settings = configured()
    bootstrap.messages()
    try:
        workflows = bootstrap.workflows(settings.workflows_dir)
        lines = dry_run_lines(settings, file, workflows=workflows, bindings=bootstrap.rulesets())
        typer.echo("\n".join(lines))
    except CommandFailed as exc:
        raise fail(str(exc)) from None
