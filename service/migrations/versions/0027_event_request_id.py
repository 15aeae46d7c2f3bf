"""event request id

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 01:30:00.000000

The journal names the HTTP request (its X-Request-ID) that made each change, so a log line and
the rows it wrote can be found from one another.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0027'
down_revision: str | None = '0026'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_column('request_id')
