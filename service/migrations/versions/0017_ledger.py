"""the receivables ledger

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:40:00.000000

Each invoice keeps what the customer still owes on it (`invoices.outstanding`, with a partial
index of the open ones by customer and due date); each customer its stored balances
(`ar_balances`); every change of them is one append-only `ledger_entries` row, unique on its
source, with the amounts it applied to invoices (`ar_allocations`). The database refuses UPDATE
and DELETE on the entries and allocations, and a balance row that breaks the ledger identity.

Existing data is posted set-based, as the services would have posted it: every issued blue
invoice (its total), every red invoice (its negative total, on the invoice it takes back from)
and every return credited by the customer's blue invoice (R24 b: applied to the returned goods'
invoice as far as it is still owed, in the order the returns were made; the rest is the
customer's unapplied credit). There are no payments before this revision.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ('ledger_entries', 'ar_allocations')


def upgrade() -> None:
    op.create_table('ar_balances',
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoiced', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('red_invoiced', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('credited', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('paid', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('deducted', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('outstanding', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('unapplied', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('invoiced - red_invoiced - credited - paid - deducted = outstanding - unapplied', name='ck_ar_balances_identity'),
    sa.CheckConstraint('outstanding >= 0', name='ck_ar_balances_outstanding'),
    sa.CheckConstraint('unapplied >= 0', name='ck_ar_balances_unapplied'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('customer_id')
    )
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=True),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=64), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('outstanding_change', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('unapplied_change', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', service.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount = outstanding_change - unapplied_change', name='ck_ledger_entries_identity'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_type', 'source_id', 'kind', name='uq_ledger_entries_source')
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_customer', ['customer_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_invoice_id'), ['invoice_id'], unique=False)

    op.create_table('ar_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('invoice_id', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], ),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ar_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ar_allocations_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ar_allocations_invoice_id'), ['invoice_id'], unique=False)

    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outstanding', service.db.ScaledDecimal(scale=2, precision=18), nullable=False, server_default='0'))
    op.create_index(
        'ix_invoices_open',
        'invoices',
        ['customer_id', 'due_date'],
        unique=False,
        sqlite_where=sa.text('outstanding <> 0'),
        postgresql_where=sa.text('outstanding <> 0'),
    )
    _post_existing()
    _append_only()


def _post_existing() -> None:
    """Issued blue invoices, red invoices and R24 (b) credits, posted set-based."""
    now = sa.bindparam('now', datetime.now(UTC), type_=service.db.UTCDateTime())
    columns = (
        'customer_id, kind, invoice_id, source_type, source_id, reference, amount, '
        'outstanding_change, unapplied_change, business_date, recorded_by, recorded_at'
    )
    run = op.get_bind().execute
    run(sa.text(
        "UPDATE invoices SET outstanding = total WHERE kind = 'blue' AND fapiao_no IS NOT NULL"
    ))
    run(sa.text(
        'UPDATE invoices SET outstanding = outstanding + (SELECT SUM(r.total) FROM invoices r '
        "WHERE r.original_id = invoices.id AND r.kind = 'red' AND r.fapiao_no IS NOT NULL) "
        "WHERE kind = 'blue' AND fapiao_no IS NOT NULL AND id IN (SELECT original_id FROM "
        "invoices WHERE kind = 'red' AND fapiao_no IS NOT NULL)"
    ))
    run(sa.text(
        f'INSERT INTO ledger_entries ({columns}) '
        "SELECT customer_id, 'invoice', id, 'invoice', id, invoice_no, total, total, 0, "
        "COALESCE(fapiao_date, CURRENT_DATE), 'migration', :now FROM invoices "
        "WHERE kind = 'blue' AND fapiao_no IS NOT NULL ORDER BY id"
    ).bindparams(now))
    run(sa.text(
        f'INSERT INTO ledger_entries ({columns}) '
        "SELECT customer_id, 'red_invoice', original_id, 'invoice', id, invoice_no, total, "
        "total, 0, COALESCE(fapiao_date, CURRENT_DATE), 'migration', :now FROM invoices "
        "WHERE kind = 'red' AND fapiao_no IS NOT NULL ORDER BY id"
    ).bindparams(now))
    # Each credit takes what its invoice still owes after the credits made before it.
    left = 'i.outstanding - COALESCE(c.before, 0)'
    applied = f'CASE WHEN {left} <= 0 THEN 0 WHEN {left} < c.total THEN {left} ELSE c.total END'
    run(sa.text(
        f'INSERT INTO ledger_entries ({columns}) '
        f"SELECT c.customer_id, 'return_credit', c.invoice_id, 'return', c.id, c.return_no, "
        f"-c.total, "
        f"-({applied}), c.total - ({applied}), COALESCE(c.credited_on, CURRENT_DATE), "
        "'migration', :now FROM (SELECT r.id, r.return_no, r.customer_id, r.invoice_id, r.total, "
        'r.credited_on, SUM(r.total) OVER (PARTITION BY r.invoice_id ORDER BY r.id '
        'ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before FROM returns r '
        "WHERE r.credit_method = 'customer_blue_invoice' AND r.state = 'credited') c "
        'JOIN invoices i ON i.id = c.invoice_id ORDER BY c.id'
    ).bindparams(now))
    run(sa.text(
        'INSERT INTO ar_allocations (entry_id, customer_id, invoice_id, amount) '
        'SELECT id, customer_id, invoice_id, -outstanding_change FROM ledger_entries '
        "WHERE kind = 'return_credit' AND outstanding_change <> 0 ORDER BY id"
    ))
    run(sa.text(
        'UPDATE invoices SET outstanding = outstanding - (SELECT SUM(a.amount) FROM '
        'ar_allocations a WHERE a.invoice_id = invoices.id) '
        'WHERE id IN (SELECT invoice_id FROM ar_allocations)'
    ))
    figure = 'SUM(CASE WHEN kind = {kind!r} THEN {sign}amount ELSE 0 END)'
    run(sa.text(
        'INSERT INTO ar_balances (customer_id, invoiced, red_invoiced, credited, paid, '
        'deducted, outstanding, unapplied, updated_at) '
        f"SELECT customer_id, {figure.format(kind='invoice', sign='')}, "
        f"{figure.format(kind='red_invoice', sign='-')}, "
        f"{figure.format(kind='return_credit', sign='-')}, 0, 0, SUM(outstanding_change), "
        'SUM(unapplied_change), :now FROM ledger_entries GROUP BY customer_id'
    ).bindparams(now))


def _append_only() -> None:
    """Entries and allocations are append-only: the database refuses UPDATE and DELETE."""
    if op.get_bind().dialect.name == 'sqlite':
        for name in APPEND_ONLY:
            for action in ('UPDATE', 'DELETE'):
                op.execute(
                    f'CREATE TRIGGER {name}_no_{action.lower()} BEFORE {action} ON {name} '
                    f"BEGIN SELECT RAISE(ABORT, 'the receivables ledger is append-only'); END"
                )
        return
    op.execute(
        'CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ '
        "BEGIN RAISE EXCEPTION 'the receivables ledger is append-only'; END $$"
    )
    for name in APPEND_ONLY:
        op.execute(
            f'CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE ON {name} '
            'FOR EACH ROW EXECUTE FUNCTION ledger_append_only()'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        for name in APPEND_ONLY:
            op.execute(f'DROP TRIGGER IF EXISTS {name}_append_only ON {name}')
        op.execute('DROP FUNCTION IF EXISTS ledger_append_only()')
    op.drop_index(
        'ix_invoices_open',
        table_name='invoices',
        sqlite_where=sa.text('outstanding <> 0'),
        postgresql_where=sa.text('outstanding <> 0'),
    )
    op.execute('ALTER TABLE invoices DROP COLUMN outstanding')
    with op.batch_alter_table('ar_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ar_allocations_invoice_id'))
        batch_op.drop_index(batch_op.f('ix_ar_allocations_entry_id'))
    op.drop_table('ar_allocations')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_invoice_id'))
        batch_op.drop_index('ix_ledger_entries_customer')
    op.drop_table('ledger_entries')
    op.drop_table('ar_balances')
