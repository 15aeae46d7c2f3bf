"""versioned payment terms

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 16:00:00.000000

A customer's payment terms become versions in `payment_terms`, each in force for goods received
from its effective date. Version 1 of every customer is its terms as they stood, in force since
2000-01-01 (before any invoice), with the old code `term_from_receipt` as the basis `receipt`
and dates kept as they fall (`non_working` keep). The customer's own columns go: the versions
are the one source of its terms. Invoices whose due date is still to be computed get a partial
index for the job that fills them.
"""

import re
from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa
import service.db


revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0001 wrote it into SQLite's schema.
_SQLITE_TERM_CHECK = re.compile(r',\s*CONSTRAINT ck_customers_term CHECK \(payment_term_days >= 0\)')


def _drop_sqlite_term_check() -> None:
    """SQLite drops no column a table CHECK names, and rebuilding `customers` would break the
    foreign keys of every table that points at it: remove the CHECK from the stored schema,
    SQLite's documented way of dropping a constraint without rewriting the table."""
    bind = op.get_bind()
    schema_sql = bind.scalar(
        sa.text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'customers'")
    )
    without, found = _SQLITE_TERM_CHECK.subn('', schema_sql)
    if found != 1:
        raise RuntimeError('customers: the CHECK ck_customers_term is not as 0001 made it')
    version = bind.scalar(sa.text('PRAGMA schema_version'))
    bind.execute(sa.text('PRAGMA writable_schema = ON'))
    bind.execute(
        sa.text(
            "UPDATE sqlite_master SET sql = :sql WHERE type = 'table' AND name = 'customers'"
        ),
        {'sql': without},
    )
    bind.execute(sa.text(f'PRAGMA schema_version = {int(version) + 1}'))
    bind.execute(sa.text('PRAGMA writable_schema = OFF'))


def upgrade() -> None:
    op.create_table(
        'payment_terms',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('customer_id', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('basis', sa.String(length=16), nullable=False),
        sa.Column('days', sa.Integer(), nullable=False),
        sa.Column('day_of_month', sa.Integer(), nullable=True),
        sa.Column('non_working', sa.String(length=16), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=False),
        sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "basis IN ('receipt', 'month_end', 'monthly_day')", name='ck_payment_terms_basis'
        ),
        sa.CheckConstraint('days BETWEEN 0 AND 365', name='ck_payment_terms_days'),
        sa.CheckConstraint(
            "(basis = 'monthly_day' AND day_of_month BETWEEN 1 AND 31) "
            "OR (basis <> 'monthly_day' AND day_of_month IS NULL)",
            name='ck_payment_terms_day_of_month',
        ),
        sa.CheckConstraint(
            "non_working IN ('keep', 'next', 'previous')", name='ck_payment_terms_non_working'
        ),
        sa.ForeignKeyConstraint(['customer_id'], ['customers.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('customer_id', 'effective_from', name='uq_payment_terms_effective'),
    )
    sqlite = op.get_bind().dialect.name == 'sqlite'
    since = "'2000-01-01'" if sqlite else "DATE '2000-01-01'"
    op.execute(
        'INSERT INTO payment_terms (customer_id, effective_from, basis, days, day_of_month, '
        f'non_working, note, created_by, created_at) SELECT id, {since}, '
        "CASE WHEN settlement_kind = 'monthly_day' THEN 'monthly_day' ELSE 'receipt' END, "
        "payment_term_days, CASE WHEN settlement_kind = 'monthly_day' THEN settlement_day END, "
        "'keep', 'the customer''s terms before versions', 'migration', created_at FROM customers"
    )
    if sqlite:
        _drop_sqlite_term_check()
    else:
        op.drop_constraint('ck_customers_term', 'customers', type_='check')
    # Dropped in place (SQLite >= 3.35, PostgreSQL), as 0010 does.
    for column in ('payment_term_days', 'settlement_kind', 'settlement_day'):
        op.execute(f'ALTER TABLE customers DROP COLUMN {column}')
    op.create_index(
        'ix_invoices_due_date_pending',
        'invoices',
        ['customer_id', 'term_start'],
        unique=False,
        sqlite_where=sa.text('due_date IS NULL'),
        postgresql_where=sa.text('due_date IS NULL'),
    )


def downgrade() -> None:
    op.drop_index(
        'ix_invoices_due_date_pending',
        table_name='invoices',
        sqlite_where=sa.text('due_date IS NULL'),
        postgresql_where=sa.text('due_date IS NULL'),
    )
    # The columns come back with the version in force now (its CHECK only on PostgreSQL).
    op.execute('ALTER TABLE customers ADD COLUMN payment_term_days INTEGER NOT NULL DEFAULT 0')
    op.execute("ALTER TABLE customers ADD COLUMN settlement_kind VARCHAR(32) NOT NULL DEFAULT ''")
    op.execute('ALTER TABLE customers ADD COLUMN settlement_day INTEGER')
    latest = (
        'SELECT {} FROM payment_terms t WHERE t.customer_id = customers.id '
        'ORDER BY t.effective_from DESC LIMIT 1'
    )
    kind = "CASE WHEN t.basis = 'monthly_day' THEN 'monthly_day' ELSE 'term_from_receipt' END"
    smaller = 'LEAST' if op.get_bind().dialect.name == 'postgresql' else 'MIN'
    op.execute(
        f'UPDATE customers SET payment_term_days = ({latest.format("t.days")}), '
        f'settlement_kind = ({latest.format(kind)}), '
        f'settlement_day = ({latest.format(f"{smaller}(t.day_of_month, 28)")})'
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.create_check_constraint('ck_customers_term', 'customers', 'payment_term_days >= 0')
    op.drop_table('payment_terms')
