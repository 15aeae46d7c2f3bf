"""business dates

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 01:30:00.000000

People enter past events late: each journal row keeps the business date the event happened on
beside the time it was recorded (NULL for the rows journaled before; the journal refuses UPDATE,
so they are not back-filled). The books are closed through a day: each move of the closed period
is a row of book_closings (who, when, and why when it moved backwards).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN (no batch copy on SQLite): the journal's append-only triggers stay.
    op.add_column('events', sa.Column('business_date', sa.Date(), nullable=True))
    op.create_table('book_closings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closed_through', sa.Date(), nullable=False),
    sa.Column('closed_by', sa.String(length=64), nullable=False),
    sa.Column('closed_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )


def downgrade() -> None:
    op.drop_table('book_closings')
    # SQLite drops a column in place (3.35+), leaving the journal's triggers.
    op.drop_column('events', 'business_date')
