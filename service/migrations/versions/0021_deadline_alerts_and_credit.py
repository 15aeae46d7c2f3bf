"""deadline alerts and customer credit

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:30:00.000000

R28: a power of attorney records the day its person left the customer (and a note), so the
scheduler tells HQ to replace it. R32: the credit proposals the monthly review raises (one per
customer and month) and the customers reviewed in each month.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('powers_of_attorney') as batch:
        batch.add_column(sa.Column('person_left_on', sa.Date(), nullable=True))
        batch.add_column(sa.Column('person_left_note', sa.Text(), nullable=True))
    op.create_table('credit_proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('grade_before', sa.String(length=8), nullable=False),
    sa.Column('grade_after', sa.String(length=8), nullable=False),
    sa.Column('limit_before', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('limit_after', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', service.db.UTCDateTime(), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'period', name='uq_credit_proposals_period')
    )
    op.create_table('credit_reviews',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('reviewed_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('customer_id', 'period')
    )


def downgrade() -> None:
    op.drop_table('credit_reviews')
    op.drop_table('credit_proposals')
    with op.batch_alter_table('powers_of_attorney') as batch:
        batch.drop_column('person_left_note')
        batch.drop_column('person_left_on')
