"""settlements by attorney

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 13:30:00.000000

A power of attorney's page lists the settlements collected under it, latest first (R28): an
index by attorney and day, so that the page reads only them.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_settlements_attorney', 'settlements', ['attorney_id', 'day'])


def downgrade() -> None:
    op.drop_index('ix_settlements_attorney', table_name='settlements')
