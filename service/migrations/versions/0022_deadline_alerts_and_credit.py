"""deadline alerts

Revision ID: 0022
Revises: 0019
Create Date: 2026-12-06 22:30:00.000000

R28: a power of attorney records the day its person left the customer (and a note), so the
scheduler tells HQ to replace it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0022'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('powers_of_attorney') as batch:
        batch.add_column(sa.Column('person_left_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('person_left_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('powers_of_attorney') as batch:
        batch.drop_column('person_left_note')
        batch.drop_column('person_left_on')
