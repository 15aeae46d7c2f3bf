"""open invoices by receipt

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 23:55:00.000000

The partial index of the open invoices (outstanding <> 0) by customer and the term's start, the
sibling of ix_invoices_open (by due date): collection's older-than-allowed scan (R30) reads only
the invoices received before the cutoff, in customer order, instead of every open invoice.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        'ix_invoices_open_received',
        'invoices',
        ['customer_id', 'term_start'],
        unique=False,
        sqlite_where=sa.text('outstanding <> 0'),
        postgresql_where=sa.text('outstanding <> 0'),
    )


def downgrade() -> None:
    op.drop_index(
        'ix_invoices_open_received',
        table_name='invoices',
        sqlite_where=sa.text('outstanding <> 0'),
        postgresql_where=sa.text('outstanding <> 0'),
    )
