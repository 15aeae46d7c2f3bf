"""legal case outcome

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 23:40:00.000000

R31: legal closes a case as recovered (the customer back to suspended) or written off (it stays
with legal): the outcome, the day, who and a note.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('legal_cases') as batch:
        batch.add_column(sa.Column('outcome', sa.String(length=16), nullable=True))
        batch.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('closed_by', sa.String(length=64), nullable=True))
        batch.add_column(sa.Column('close_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('legal_cases') as batch:
        batch.drop_column('close_note')
        batch.drop_column('closed_by')
        batch.drop_column('closed_on')
        batch.drop_column('outcome')
