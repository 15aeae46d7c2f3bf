"""Bring a database to the newest schema with Alembic (the only way the schema is created)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config

from service.db import Database

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply all pending migrations on the service's own engine (WAL, pragmas)."""
    config = alembic_config(db.url)
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


class SchemaOutdated(Exception):
    """The database is not at the newest migration; run `o2c migrate`."""


@cache
def head() -> str | None:
    """The newest migration of this code."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def assert_current(db: Database) -> None:
    """Refuse to serve a database whose schema is behind (or ahead of) this code."""
    from alembic.runtime.migration import MigrationContext

    newest = head()
    with db.engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    if current != newest:
        raise SchemaOutdated(
            f"the database is at migration {current or 'none'}, this code needs {newest}: "
            "run `o2c migrate`"
        )
