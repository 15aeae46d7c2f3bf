"""document parties

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 16:30:00.000000

An invoice keeps its seller and buyer as they stood when it was issued, a red-letter form when
it was entered, a statement when it was sent, so that a later printout names them as the
document did. Documents made before keep none: their printouts name the parties as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0032'
down_revision: str | None = '0031'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('invoices', 'red_letter_forms', 'statements')


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column('parties', sa.JSON(), nullable=True))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite since 3.35): a batch would copy each table,
    # and dropping the old one is refused while other tables' foreign keys name it.
    for table in TABLES:
        op.drop_column(table, 'parties')
