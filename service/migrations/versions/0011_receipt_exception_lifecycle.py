"""receipt exceptions get a lifecycle: path, owner, re-delivery, carrier claim, return

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:30:00.000000

A receipt exception (R8) is worked to its end (workflows/definitions/receipt_exception.yaml): it
keeps the rules' proposal and the path a person took, the follow-up delivery's receipt, the
claim on the carrier and the return of a substituted model. A re-delivered quantity goes on the
next invoice as a carry-forward, which no longer always comes from an invoice.
"""

from collections.abc import Sequence

from alembic import op
import sqlalchemy as sa

import service.db


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MONEY = service.db.ScaledDecimal(scale=2, precision=18)


def upgrade() -> None:
    with op.batch_alter_table('receipt_exceptions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(
            sa.Column('owner_role', sa.String(length=16), server_default='logistics', nullable=False)
        )
        batch_op.add_column(sa.Column('decision', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('path', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('decided_at', service.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('redelivery_shipped_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('redelivery_waybill_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('redelivery_receipt_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('redelivery_receipt_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('redelivered_qty', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('redelivery_scan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claim_amount', MONEY, nullable=True))
        batch_op.add_column(sa.Column('claim_evidence_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('claimed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('claim_settled_amount', MONEY, nullable=True))
        batch_op.add_column(sa.Column('claim_closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('return_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_receipt_exceptions_redelivery_receipt_no'),
            ['redelivery_receipt_no'],
            unique=False,
        )
        batch_op.create_index('ix_receipt_exceptions_state_created', ['state', 'created_at'], unique=False)
        batch_op.create_foreign_key(
            'fk_receipt_exc_redelivery_scan', 'attachments', ['redelivery_scan_id'], ['id']
        )
        batch_op.create_foreign_key(
            'fk_receipt_exc_claim_evidence', 'attachments', ['claim_evidence_id'], ['id']
        )
        batch_op.create_foreign_key('fk_receipt_exc_return', 'returns', ['return_id'], ['id'])
        batch_op.create_check_constraint(
            'ck_receipt_exc_redelivered', sa.text('redelivered_qty IS NULL OR redelivered_qty > 0')
        )
    with op.batch_alter_table('carry_forwards', schema=None) as batch_op:
        batch_op.alter_column('source_invoice_id', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('source_receipt_exception_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            'uq_carry_forwards_source_receipt_exception_id', ['source_receipt_exception_id']
        )
        batch_op.create_foreign_key(
            'fk_carry_forwards_receipt_exception',
            'receipt_exceptions',
            ['source_receipt_exception_id'],
            ['id'],
        )


def downgrade() -> None:
    with op.batch_alter_table('carry_forwards', schema=None) as batch_op:
        batch_op.drop_constraint('fk_carry_forwards_receipt_exception', type_='foreignkey')
        batch_op.drop_constraint(
            'uq_carry_forwards_source_receipt_exception_id', type_='unique'
        )
        batch_op.drop_column('source_receipt_exception_id')
        batch_op.alter_column('source_invoice_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('receipt_exceptions', schema=None) as batch_op:
        batch_op.drop_constraint('ck_receipt_exc_redelivered', type_='check')
        batch_op.drop_constraint('fk_receipt_exc_return', type_='foreignkey')
        batch_op.drop_constraint('fk_receipt_exc_claim_evidence', type_='foreignkey')
        batch_op.drop_constraint('fk_receipt_exc_redelivery_scan', type_='foreignkey')
        batch_op.drop_index('ix_receipt_exceptions_state_created')
        batch_op.drop_index(batch_op.f('ix_receipt_exceptions_redelivery_receipt_no'))
        for column in (
            'return_id', 'claim_closed_on', 'claim_settled_amount', 'claimed_on',
            'claim_evidence_id', 'claim_amount', 'redelivery_scan_id', 'redelivered_qty',
            'redelivery_receipt_date', 'redelivery_receipt_no', 'redelivery_waybill_no',
            'redelivery_shipped_on', 'reason', 'decided_at', 'decided_by', 'path', 'decision',
            'owner_role', 'version',
        ):
            batch_op.drop_column(column)
