"""tasks by state

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 16:00:00.000000

The open-items gauge counts the tasks in their live states at every scrape. The queue's index
leads with the owner role; PostgreSQL has no skip scan, so with a million tasks (most of them
done) each scrape read them all. An index by state reads only the live ones, as the other
counted tables' indexes (which lead with their state) already do.
"""

from collections.abc import Sequence

from alembic import op


revision: str = '0031'
down_revision: str | None = '0030'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_tasks_state', 'tasks', ['state'])


def downgrade() -> None:
    op.drop_index('ix_tasks_state', table_name='tasks')
