"""imported documents

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 02:30:00.000000

Go-live: orders, receipts and invoices brought over from the old system by `o2c import` are
marked `imported` (the opening documents); the rest are false.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('orders', 'receipts', 'invoices')


def upgrade() -> None:
    # Not batches: SQLite adds a column in place, without copying tables others refer to.
    for name in TABLES:
        op.add_column(
            name, sa.Column('imported', sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    for name in TABLES:
        op.execute(f'ALTER TABLE {name} DROP COLUMN imported')
