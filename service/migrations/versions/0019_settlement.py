"""the settlement gate

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 18:40:00.000000

Settlements (R23, R27-R29): the invoices of a confirmed statement that passed the settlement gate
together, on a day, collected under a power of attorney (its name kept as it was), and the
invoices each settled (an invoice once, ever: unique).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('settlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('attorney_id', sa.Integer(), nullable=False),
    sa.Column('attorney_name', sa.String(length=100), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('invoices', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('settled_by', sa.String(length=64), nullable=False),
    sa.Column('settled_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['attorney_id'], ['powers_of_attorney.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('settlement_no')
    )
    op.create_index(op.f('ix_settlements_customer_id'), 'settlements', ['customer_id'], unique=False)
    op.create_index(op.f('ix_settlements_statement_id'), 'settlements', ['statement_id'], unique=False)
    op.create_table('settled_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('settlement_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['settlement_id'], ['settlements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('invoice_id')
    )
    op.create_index(op.f('ix_settled_invoices_settlement_id'), 'settled_invoices', ['settlement_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_settled_invoices_settlement_id'), table_name='settled_invoices')
    op.drop_table('settled_invoices')
    op.drop_index(op.f('ix_settlements_statement_id'), table_name='settlements')
    op.drop_index(op.f('ix_settlements_customer_id'), table_name='settlements')
    op.drop_table('settlements')
