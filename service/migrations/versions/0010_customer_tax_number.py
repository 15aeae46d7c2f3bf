"""customers get their taxpayer identification number (纳税人识别号), printed as the buyer's

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:39:36.079358

One column, `customers.tax_no`: existing rows get an empty string (not recorded). SQLite adds a
column in place (ALTER TABLE ADD COLUMN), so the table others reference is not rebuilt.

Downgrade drops it in place (SQLite >= 3.35, PostgreSQL), as 0006 does: rebuilding a table others
reference would fail.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('tax_no', sa.String(length=20), nullable=False, server_default='')
        )


def downgrade() -> None:
    op.execute('ALTER TABLE customers DROP COLUMN tax_no')
