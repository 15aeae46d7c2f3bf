"""working-day calendar years loaded by an admin

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 16:00:00.000000
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

from service.db import UTCDateTime


revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'working_calendar_years',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('file', sa.String(length=200), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('loaded_by', sa.String(length=64), nullable=False),
        sa.Column('loaded_at', UTCDateTime(), nullable=False),
        sa.Column('holidays', sa.Integer(), nullable=False),
        sa.Column('workdays', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year'),
    )
    op.create_table(
        'working_calendar_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('working', sa.Boolean(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['year'], ['working_calendar_years.year']),
        sa.PrimaryKeyConstraint('day'),
    )
    op.create_index('ix_working_calendar_days_year', 'working_calendar_days', ['year'])


def downgrade() -> None:
    op.drop_index('ix_working_calendar_days_year', table_name='working_calendar_days')
    op.drop_table('working_calendar_days')
    op.drop_table('working_calendar_years')
