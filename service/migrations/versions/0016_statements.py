"""reconciliation statements

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 16:00:00.000000

Statements (R20-R22) with their kept versions and lines, the credits and adjustments they took,
finance's statement adjustments and the customers' disputed lines. `invoices.statement_id`
names the statement that lists an invoice (added in place, without a foreign key), with a
partial index for the daily scan of invoices due and not yet on a statement.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('statement_adjustments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('document_no', sa.String(length=64), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('price_reduction', 'rebate', 'margin_support', 'fee', 'other')", name='ck_statement_adjustments_kind'),
    sa.CheckConstraint('amount > 0', name='ck_statement_adjustments_amount'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_adjustments', schema=None) as batch_op:
        batch_op.create_index('ix_statement_adjustments_customer_state', ['customer_id', 'state'], unique=False)

    op.create_table('statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('settlement_date', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('versions', sa.Integer(), nullable=False),
    sa.Column('lead_working_days', sa.Integer(), nullable=True),
    sa.Column('draft_day', sa.Date(), nullable=True),
    sa.Column('decision', sa.JSON(), nullable=True),
    sa.Column('goods_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('credits_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('adjustments_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('amount_due', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=True),
    sa.Column('sent_to', sa.String(length=200), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('customer_signatory', sa.String(length=100), nullable=True),
    sa.Column('customer_reference', sa.String(length=64), nullable=True),
    sa.Column('confirmation_id', sa.Integer(), nullable=True),
    sa.Column('confirmed_by', sa.String(length=64), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('scheduled', 'requested')", name='ck_statements_kind'),
    sa.ForeignKeyConstraint(['confirmation_id'], ['attachments.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'settlement_date', 'kind', name='uq_statements_key'),
    sa.UniqueConstraint('statement_no')
    )
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index('ix_statements_state', ['state', 'settlement_date'], unique=False)

    op.create_table('statement_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('source_type', sa.String(length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_type', 'source_id', name='uq_statement_entries_source')
    )
    with op.batch_alter_table('statement_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_entries_statement_id'), ['statement_id'], unique=False)

    op.create_table('statement_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('made_by', sa.String(length=64), nullable=False),
    sa.Column('made_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('goods_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('credits_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('adjustments_total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('amount_due', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('statement_id', 'number', name='uq_statement_versions')
    )
    op.create_table('statement_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('receipt_date', sa.Date(), nullable=True),
    sa.Column('warehouse', sa.String(length=32), nullable=True),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('invoice', 'red_invoice', 'customer_blue_invoice', 'discount_offset', 'adjustment', 'open_return')", name='ck_statement_lines_kind'),
    sa.ForeignKeyConstraint(['version_id'], ['statement_versions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_lines_version_id'), ['version_id'], unique=False)

    op.create_table('statement_disputes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('line_id', sa.Integer(), nullable=False),
    sa.Column('statement_version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('customer_amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['line_id'], ['statement_lines.id'], ),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('statement_disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_disputes_statement_id'), ['statement_id'], unique=False)

    op.add_column('invoices', sa.Column('statement_id', sa.Integer(), nullable=True))
    op.create_index(
        'ix_invoices_statement_scan',
        'invoices',
        ['customer_id', 'due_date'],
        unique=False,
        sqlite_where=sa.text('statement_id IS NULL AND due_date IS NOT NULL'),
        postgresql_where=sa.text('statement_id IS NULL AND due_date IS NOT NULL'),
    )



def downgrade() -> None:
    # Dropped in place (SQLite >= 3.35, PostgreSQL), as 0010 does.
    op.drop_index('ix_invoices_statement_scan', table_name='invoices')
    op.execute('ALTER TABLE invoices DROP COLUMN statement_id')

    with op.batch_alter_table('statement_disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_disputes_statement_id'))

    op.drop_table('statement_disputes')
    with op.batch_alter_table('statement_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_lines_version_id'))

    op.drop_table('statement_lines')
    op.drop_table('statement_versions')
    with op.batch_alter_table('statement_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_statement_entries_statement_id'))

    op.drop_table('statement_entries')
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.drop_index('ix_statements_state')

    op.drop_table('statements')
    with op.batch_alter_table('statement_adjustments', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_adjustments_customer_state')

    op.drop_table('statement_adjustments')
