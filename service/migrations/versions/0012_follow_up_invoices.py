"""a follow-up invoice names the re-delivered shortage it bills on its own

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:30:00.000000

A re-delivered shortage (R8) is carried to the customer's next invoice, or invoiced on its own
by a follow-up invoice that does not move its order. `invoices.follow_up_of_id` names the
receipt exception (no foreign key: receipt exceptions already lead to invoices through returns,
and the carry-forward links both); discarding such a draft releases the quantity without
reopening the order.
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follow_up_of_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_invoices_follow_up_of_id'), ['follow_up_of_id'], unique=False
        )


def downgrade() -> None:
    # Dropped in place (SQLite >= 3.35, PostgreSQL), as 0010 does: rebuilding a table others
    # reference would fail.
    op.drop_index('ix_invoices_follow_up_of_id', table_name='invoices')
    op.execute('ALTER TABLE invoices DROP COLUMN follow_up_of_id')
