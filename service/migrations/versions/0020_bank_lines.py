"""bank statement imports and their lines

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 22:30:00.000000

Bank statement files imported (`bank_imports`: who imported which file and what came of it) and
their credit lines (`bank_lines`, a lifecycle: unmatched -> matched / ignored, ignored ->
unmatched), each stored once: unique on the bank reference, normalised as a payment's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('bank_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('lines_read', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('already', sa.Integer(), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('waiting', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.Column('imported_at', service.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('bank_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('value_date', sa.Date(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('payer', sa.String(length=200), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('remittance_text', sa.Text(), nullable=False),
    sa.Column('raw', sa.JSON(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('payment_id', sa.Integer(), nullable=True),
    sa.Column('waiting_reason', sa.String(length=64), nullable=True),
    sa.Column('waiting_params', sa.JSON(), nullable=True),
    sa.Column('ignore_reason', sa.Text(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount > 0', name='ck_bank_lines_amount'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['import_id'], ['bank_imports.id'], ),
    sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bank_reference')
    )
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.create_index('ix_bank_lines_state', ['state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_lines_payment_id'), ['payment_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('bank_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_lines_payment_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_import_id'))
        batch_op.drop_index(batch_op.f('ix_bank_lines_customer_id'))
        batch_op.drop_index('ix_bank_lines_state')
    op.drop_table('bank_lines')
    op.drop_table('bank_imports')
