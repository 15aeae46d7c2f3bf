"""task title words

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 14:10:00.000000

A task keeps, beside its English title, the title's catalog code and values, so the pages show
it in the reader's language. Tasks raised before keep their English title only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0030'
down_revision: str | None = '0029'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('tasks', sa.Column('title_words', sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite since 3.35): a batch would copy the table,
    # and dropping the old one is refused while other tables' foreign keys name it.
    op.drop_column('tasks', 'title_words')
