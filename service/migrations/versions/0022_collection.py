"""collection tasks, contacts and promises to pay

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 22:09:22.912898

Collection (R30-R31): the tasks the daily job raises once per (condition, customer, period), the
contacts collectors log on them and the promises to pay the job judges.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.db


revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('collection_tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('condition', sa.String(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('owner_role', sa.String(length=16), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('priority', sa.String(length=8), nullable=False),
    sa.Column('assignee', sa.String(length=64), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('level_since', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('repeat_days', sa.Integer(), nullable=False),
    sa.Column('escalate_after_days', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('days_overdue', sa.Integer(), nullable=False),
    sa.Column('decision', sa.JSON(), nullable=False),
    sa.Column('resolution', sa.Text(), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', service.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', service.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('condition', 'customer_id', 'period', name='uq_collection_tasks_key')
    )
    with op.batch_alter_table('collection_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_collection_tasks_board', ['state', 'due_on'], unique=False)
        batch_op.create_index('ix_collection_tasks_customer', ['customer_id', 'condition', 'state'], unique=False)

    op.create_table('collection_contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=8), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('made_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['collection_tasks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('collection_contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_contacts_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_contacts_task_id'), ['task_id'], unique=False)

    op.create_table('collection_promises',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('amount', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('made_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('grace_until', sa.Date(), nullable=False),
    sa.Column('made_by', sa.String(length=64), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('received', service.db.ScaledDecimal(scale=2, precision=18), nullable=True),
    sa.Column('judged_on', sa.Date(), nullable=True),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.ForeignKeyConstraint(['task_id'], ['collection_tasks.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('collection_promises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_collection_promises_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index('ix_collection_promises_open', ['outcome', 'grace_until'], unique=False)
        batch_op.create_index(batch_op.f('ix_collection_promises_task_id'), ['task_id'], unique=False)

    op.create_table('legal_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('opened_by', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('outstanding', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('unapplied', service.db.ScaledDecimal(scale=2, precision=18), nullable=False),
    sa.Column('created_at', service.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('customer_id')
    )
    op.create_table('collection_runs',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last_event', sa.Integer(), nullable=False),
    sa.Column('last_entry', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('finished_at', service.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )


def downgrade() -> None:
    op.drop_table('collection_runs')
    op.drop_table('legal_cases')
    with op.batch_alter_table('collection_promises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_promises_task_id'))
        batch_op.drop_index('ix_collection_promises_open')
        batch_op.drop_index(batch_op.f('ix_collection_promises_customer_id'))

    op.drop_table('collection_promises')
    with op.batch_alter_table('collection_contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_collection_contacts_task_id'))
        batch_op.drop_index(batch_op.f('ix_collection_contacts_customer_id'))

    op.drop_table('collection_contacts')
    with op.batch_alter_table('collection_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_collection_tasks_customer')
        batch_op.drop_index('ix_collection_tasks_board')

    op.drop_table('collection_tasks')
