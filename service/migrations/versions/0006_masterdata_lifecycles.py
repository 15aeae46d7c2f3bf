"""master data lifecycles: customers, contracts and powers of attorney get state and version

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

Changes to customers, contracts and powers of attorney now go through the one state writer and
are journalled, so each table gets `state` and `version` (the version counts the document's
journal rows). The customer's `status` becomes its `state` (renamed in place: SQLite >= 3.25 and
PostgreSQL rename a column without rebuilding the table, which other tables reference). Existing
rows: customers keep their status as state, contracts are `in_force`, powers of attorney
`valid`, or `revoked` where `revoked_at` is set; each gets version 1 and one journal row
(`create`, by `migration`) saying so: its version counts its journal rows like any document's.

Downgrade drops the new columns (customers' and contracts' in place too) and renames `state`
back; the journal rows stay (the journal is append-only).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, machine) of the documents that get a lifecycle here.
DOCUMENTS = (
    ('customers', 'customer'),
    ('contracts', 'contract'),
    ('powers_of_attorney', 'power_of_attorney'),
)

events = sa.table(
    'events',
    sa.column('entity_type', sa.String(32)),
    sa.column('entity_id', sa.Integer()),
    sa.column('trigger', sa.String(64)),
    sa.column('from_state', sa.String(32)),
    sa.column('to_state', sa.String(32)),
    sa.column('actor', sa.String(64)),
    sa.column('occurred_at', service.db.UTCDateTime()),
    sa.column('payload', sa.JSON()),
    sa.column('decisions', sa.JSON()),
)


def _version() -> sa.Column[int]:
    return sa.Column('version', sa.Integer(), nullable=False, server_default='1')


def upgrade() -> None:
    op.execute('ALTER TABLE customers RENAME COLUMN status TO state')
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(_version())
    with op.batch_alter_table('contracts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('state', sa.String(length=16), nullable=False, server_default='in_force')
        )
        batch_op.add_column(_version())
    with op.batch_alter_table('powers_of_attorney', schema=None) as batch_op:
        batch_op.add_column(sa.Column('id_number', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('phone', sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column('state', sa.String(length=16), nullable=False, server_default='valid')
        )
        batch_op.add_column(_version())
        batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            'fk_powers_of_attorney_replaced_by_id',
            'powers_of_attorney',
            ['replaced_by_id'],
            ['id'],
        )
    op.execute("UPDATE powers_of_attorney SET state = 'revoked' WHERE revoked_at IS NOT NULL")
    _journal_existing()


def _journal_existing() -> None:
    """One journal row per existing document: its state as the migration found it."""
    bind = op.get_bind()
    now = datetime.now(UTC)
    for table, machine in DOCUMENTS:
        rows = bind.execute(sa.text(f'SELECT id, state FROM {table} ORDER BY id')).all()
        if rows:
            op.bulk_insert(
                events,
                [
                    {
                        'entity_type': machine,
                        'entity_id': row_id,
                        'trigger': 'create',
                        'from_state': None,
                        'to_state': state,
                        'actor': 'migration',
                        'occurred_at': now,
                        'payload': {'revision': revision},
                        'decisions': [],
                    }
                    for row_id, state in rows
                ],
            )


def downgrade() -> None:
    with op.batch_alter_table('powers_of_attorney', schema=None) as batch_op:
        batch_op.drop_constraint('fk_powers_of_attorney_replaced_by_id', type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('revocation_reason')
        batch_op.drop_column('version')
        batch_op.drop_column('state')
        batch_op.drop_column('phone')
        batch_op.drop_column('id_number')
    # In place (SQLite >= 3.35, PostgreSQL): rebuilding a table others reference would fail.
    op.execute('ALTER TABLE contracts DROP COLUMN version')
    op.execute('ALTER TABLE contracts DROP COLUMN state')
    op.execute('ALTER TABLE customers DROP COLUMN version')
    op.execute('ALTER TABLE customers RENAME COLUMN state TO status')
