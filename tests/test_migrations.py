"""The migrations make exactly the tables the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import service.models  # noqa: F401  (fills Base.metadata)
from service.db import Base
from tests.support import Backend


def test_the_migrations_make_the_schema_the_models_describe(backend: Backend) -> None:
    with backend.db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
