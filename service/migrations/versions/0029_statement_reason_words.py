"""statement reason words

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 14:00:00.000000

A statement version keeps, beside its reason's English text, the catalog code and values of a
reason the service gave (drafted by the scheduler, requested by the customer, extended), so the
pages show it in the reader's language. Versions made before keep their text only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0029'
down_revision: str | None = '0028'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('statement_versions', sa.Column('reason_words', sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite since 3.35): a batch would copy the table,
    # and dropping the old one is refused while other tables' foreign keys name it.
    op.drop_column('statement_versions', 'reason_words')
