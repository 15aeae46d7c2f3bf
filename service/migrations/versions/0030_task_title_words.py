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
    with op.batch_alter_table('tasks') as batch:
        batch.add_column(sa.Column('title_words', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks') as batch:
        batch.drop_column('title_words')
