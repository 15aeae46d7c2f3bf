"""people find an order by customer PO number or receipt number alone: index both

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00.000000

The unique constraints on (customer, PO number) and (customer, receipt number) lead with the
customer, so a search by the number alone (the orders page's search box) read every row. Each
number gets an index of its own.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_customer_po_no'), ['customer_po_no'], unique=False)
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receipts_receipt_no'), ['receipt_no'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receipts_receipt_no'))
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_customer_po_no'))
