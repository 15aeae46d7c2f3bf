"""returns and red-letter forms: returns with their lines and the customer's blue invoices
(R24-R26), red-letter information confirmation forms with their lines, the blue invoice's use
confirmation, and on invoice lines the blue line a red line takes back and the return a negative
line deducts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 10:30:00.000000

New tables only, and nullable columns on invoices and invoice lines: existing rows need nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_no', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('approval_report_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('receipt_no', sa.String(length=64), nullable=True),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('receipt_scan_id', sa.Integer(), nullable=True),
    sa.Column('consent_id', sa.Integer(), nullable=True),
    sa.Column('proposal', sa.JSON(), nullable=True),
    sa.Column('credit_method', sa.String(length=32), nullable=True),
    sa.Column('method_reason', sa.Text(), nullable=False),
    sa.Column('credit_invoice_id', sa.Integer(), nullable=True),
    sa.Column('credited_on', sa.Date(), nullable=True),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("credit_method IS NULL OR credit_method IN ('red_letter', 'customer_blue_invoice', 'next_invoice_deduction')", name='ck_returns_credit_method'),
    sa.CheckConstraint("reason IN ('defective', 'slow_moving', 'wrong_model', 'other')", name='ck_returns_reason'),
    sa.ForeignKeyConstraint(['approval_report_id'], ['attachments.id'], ),
    sa.ForeignKeyConstraint(['consent_id'], ['attachments.id'], ),
    sa.ForeignKeyConstraint(['credit_invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], ),
    sa.ForeignKeyConstraint(['receipt_scan_id'], ['attachments.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('return_no')
    )
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.create_index('ix_returns_customer_state', ['customer_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_invoice_id'), ['invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_returns_order_id'), ['order_id'], unique=False)

    op.create_table('customer_blue_invoices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_number', sa.String(length=32), nullable=False),
    sa.Column('invoice_date', sa.Date(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('lines', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id', 'invoice_number'),
    sa.UniqueConstraint('return_id')
    )
    op.create_table('red_letter_forms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_no', sa.String(length=32), nullable=False),
    sa.Column('platform_no', sa.String(length=32), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('blue_invoice_id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=16), nullable=False),
    sa.Column('initiator', sa.String(length=8), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('initiated_at', service.db.UTCDateTime(), nullable=True),
    sa.Column('expires_at', service.db.UTCDateTime(), nullable=True),
    sa.Column('answered_at', service.db.UTCDateTime(), nullable=True),
    sa.Column('void_reason', sa.Text(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('total', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('red_invoice_id', sa.Integer(), nullable=True),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("initiator IN ('seller', 'buyer')", name='ck_red_letter_forms_initiator'),
    sa.CheckConstraint("reason IN ('issuing_error', 'sales_return', 'service_stopped', 'sales_discount')", name='ck_red_letter_forms_reason'),
    sa.ForeignKeyConstraint(['blue_invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['red_invoice_id'], ['invoices.id'], ),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_no'),
    sa.UniqueConstraint('platform_no'),
    sa.UniqueConstraint('red_invoice_id')
    )
    with op.batch_alter_table('red_letter_forms', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_red_letter_forms_blue_invoice_id'), ['blue_invoice_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_red_letter_forms_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_red_letter_forms_return_id'), ['return_id'], unique=False)
        batch_op.create_index('ix_red_letter_forms_state_expires', ['state', 'expires_at'], unique=False)

    op.create_table('red_letter_form_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('blue_line_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.CheckConstraint('quantity >= 0', name='ck_red_letter_form_lines_quantity'),
    sa.ForeignKeyConstraint(['blue_line_id'], ['invoice_lines.id'], ),
    sa.ForeignKeyConstraint(['form_id'], ['red_letter_forms.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('form_id', 'line_no')
    )
    with op.batch_alter_table('red_letter_form_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_red_letter_form_lines_blue_line_id'), ['blue_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_red_letter_form_lines_form_id'), ['form_id'], unique=False)

    op.create_table('return_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('invoice_line_id', sa.Integer(), nullable=False),
    sa.Column('order_line_id', sa.Integer(), nullable=True),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('received_qty', sa.Integer(), nullable=True),
    sa.Column('unit_price', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax_rate', service.db.ScaledDecimal(scale=4, precision=8), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('tax', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.CheckConstraint('quantity > 0', name='ck_return_lines_quantity'),
    sa.CheckConstraint('received_qty IS NULL OR (received_qty >= 0 AND received_qty <= quantity)', name='ck_return_lines_received'),
    sa.ForeignKeyConstraint(['invoice_line_id'], ['invoice_lines.id'], ),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ),
    sa.ForeignKeyConstraint(['order_line_id'], ['order_lines.id'], ),
    sa.ForeignKeyConstraint(['return_id'], ['returns.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('return_id', 'line_no')
    )
    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_return_lines_invoice_line_id'), ['invoice_line_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_return_lines_return_id'), ['return_id'], unique=False)

    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reverses_line_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('return_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_invoice_lines_return_id'), ['return_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_lines_reverses_line_id'), ['reverses_line_id'], unique=False)
        batch_op.create_foreign_key('fk_invoice_lines_return_id', 'returns', ['return_id'], ['id'])
        batch_op.create_foreign_key(
            'fk_invoice_lines_reverses_line_id', 'invoice_lines', ['reverses_line_id'], ['id']
        )

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('use_confirmed_on', sa.Date(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_column('use_confirmed_on')

    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_constraint('fk_invoice_lines_reverses_line_id', type_='foreignkey')
        batch_op.drop_constraint('fk_invoice_lines_return_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_invoice_lines_reverses_line_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_lines_return_id'))
        batch_op.drop_column('return_id')
        batch_op.drop_column('reverses_line_id')

    with op.batch_alter_table('return_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_return_lines_return_id'))
        batch_op.drop_index(batch_op.f('ix_return_lines_invoice_line_id'))

    op.drop_table('return_lines')
    with op.batch_alter_table('red_letter_form_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_red_letter_form_lines_form_id'))
        batch_op.drop_index(batch_op.f('ix_red_letter_form_lines_blue_line_id'))

    op.drop_table('red_letter_form_lines')
    with op.batch_alter_table('red_letter_forms', schema=None) as batch_op:
        batch_op.drop_index('ix_red_letter_forms_state_expires')
        batch_op.drop_index(batch_op.f('ix_red_letter_forms_return_id'))
        batch_op.drop_index(batch_op.f('ix_red_letter_forms_customer_id'))
        batch_op.drop_index(batch_op.f('ix_red_letter_forms_blue_invoice_id'))

    op.drop_table('red_letter_forms')
    op.drop_table('customer_blue_invoices')
    with op.batch_alter_table('returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_returns_order_id'))
        batch_op.drop_index(batch_op.f('ix_returns_invoice_id'))
        batch_op.drop_index('ix_returns_customer_state')

    op.drop_table('returns')
