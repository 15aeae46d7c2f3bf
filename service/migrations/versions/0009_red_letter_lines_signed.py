"""a red-letter form's line may be negative: a discount's share, a reissue's deduction

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 13:00:00.000000

Goods taken back with their discount line take its share back too (a negative amount), and a
reissue's form reverses every line of the blue invoice, return deductions (negative quantities)
included. The check that a form line's quantity is not negative goes.
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('red_letter_form_lines', schema=None) as batch_op:
        batch_op.drop_constraint('ck_red_letter_form_lines_quantity', type_='check')


def downgrade() -> None:
    with op.batch_alter_table('red_letter_form_lines', schema=None) as batch_op:
        batch_op.create_check_constraint('ck_red_letter_form_lines_quantity', sa.text('quantity >= 0'))
