"""invoices keep the receipt date their payment term counts from and their due date (R19)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:00:00.000000

Existing invoices are dated from their receipts and their customers' terms as they stood (no
working-day move: terms that move a date to a working day came with this revision). A red or
corrected invoice takes the dates of the invoice it takes back or replaces.
"""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from alembic import op
import sqlalchemy as sa


revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _due(kind: str, days: int, day_of_month: int | None, received: date) -> date:
    earliest = received + timedelta(days=days)
    if kind != 'monthly_day' or day_of_month is None:
        return earliest
    year, month = earliest.year, earliest.month
    for _ in range(2):
        last = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day_of_month, last))
        if candidate >= earliest:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise AssertionError('unreachable')


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('term_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('due_date', sa.Date(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            'SELECT i.id, COALESCE(x.redelivery_receipt_date, r.receipt_date), '
            'c.settlement_kind, c.payment_term_days, c.settlement_day '
            'FROM invoices i JOIN customers c ON c.id = i.customer_id '
            'JOIN receipts r ON r.order_id = i.order_id '
            'LEFT JOIN receipt_exceptions x ON x.id = i.follow_up_of_id '
            "WHERE i.kind = 'blue' AND i.original_id IS NULL"
        )
    ).all()
    update = sa.text('UPDATE invoices SET term_start = :start, due_date = :due WHERE id = :id')
    dated = []
    for invoice_id, received, kind, days, day_of_month in rows:
        received = received if isinstance(received, date) else date.fromisoformat(received)
        due = _due(kind, days, day_of_month, received)
        dated.append({'id': invoice_id, 'start': received, 'due': due})
    if dated:
        bind.execute(update, dated)  # one executemany
    # Red and corrected invoices fall due with the invoice they take back or replace (a chain
    # of corrections is at most a few long).
    for _ in range(5):
        bind.execute(
            sa.text(
                'UPDATE invoices SET term_start = (SELECT o.term_start FROM invoices o '
                'WHERE o.id = invoices.original_id), due_date = (SELECT o.due_date FROM invoices '
                'o WHERE o.id = invoices.original_id) WHERE original_id IS NOT NULL '
                'AND term_start IS NULL'
            )
        )


def downgrade() -> None:
    # Dropped in place (SQLite >= 3.35, PostgreSQL), as 0010 does.
    op.execute('ALTER TABLE invoices DROP COLUMN due_date')
    op.execute('ALTER TABLE invoices DROP COLUMN term_start')
