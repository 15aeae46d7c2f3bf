"""invoice exceptions state both sides as booked: amounts without tax, tax, discount

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00.000000

Until now `amount_difference` was the difference tax included, net of discounts; it is now the
difference without tax, as the booking states amounts, and `total_difference` carries what the old
column meant. Rows recorded before this migration keep their total; the sides they did not store
are left at zero.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW = (
    'invoiced_amount',
    'booked_amount',
    'invoiced_tax',
    'booked_tax',
    'invoiced_discount',
    'booked_discount',
    'tax_difference',
    'total_difference',
)


def upgrade() -> None:
    with op.batch_alter_table('invoice_exceptions', schema=None) as batch_op:
        for name in NEW:
            batch_op.add_column(
                sa.Column(
                    name,
                    service.db.ScaledDecimal(scale=2, precision=18),
                    nullable=False,
                    server_default='0',
                )
            )
    op.execute('UPDATE invoice_exceptions SET total_difference = amount_difference')


def downgrade() -> None:
    op.execute('UPDATE invoice_exceptions SET amount_difference = total_difference')
    with op.batch_alter_table('invoice_exceptions', schema=None) as batch_op:
        for name in reversed(NEW):
            batch_op.drop_column(name)
