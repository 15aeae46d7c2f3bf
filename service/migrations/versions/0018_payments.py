"""payments and their allocations

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:40:00.000000

Payments received (`payments`, a lifecycle: recorded -> reversed; the bank reference unique,
reversed ones included), the deductions customers made (`deductions`: a source deducted once
while its deduction stands, a partial unique index) and applications of unapplied credit
(`credit_applications`). What each applied to which invoice is on the receivables ledger
(0017).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('payer', sa.String(length=200), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('allocated', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('unapplied', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('reversal_reason', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_payments_amount'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bank_reference'),
    sa.UniqueConstraint('payment_no')
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index('ix_payments_customer', ['customer_id', 'value_date'], unique=False)

    op.create_table('deductions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('reversed_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_deductions_amount'),
    sa.CheckConstraint("source_type IN ('discount_credit', 'statement_adjustment')", name='ck_deductions_source_type'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.create_index('ix_deductions_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deductions_payment_id'), ['payment_id'], unique=False)
    op.create_index(
        'uq_deductions_source',
        'deductions',
        ['source_type', 'source_id'],
        unique=True,
        sqlite_where=sa.text('reversed_on IS NULL'),
        postgresql_where=sa.text('reversed_on IS NULL'),
    )

    op.create_table('credit_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_credit_applications_amount'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('application_no')
    )
    with op.batch_alter_table('credit_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_credit_applications_customer_id'), ['customer_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('credit_applications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_applications_customer_id'))
    op.drop_table('credit_applications')
    op.drop_index(
        'uq_deductions_source',
        table_name='deductions',
        sqlite_where=sa.text('reversed_on IS NULL'),
        postgresql_where=sa.text('reversed_on IS NULL'),
    )
    with op.batch_alter_table('deductions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deductions_payment_id'))
        batch_op.drop_index('ix_deductions_customer')
    op.drop_table('deductions')
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index('ix_payments_customer')
    op.drop_table('payments')
