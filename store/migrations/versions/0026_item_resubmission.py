"""Wiedervorlage: a follow-up date (and note) per item; the inbox hides the item until then

Revision ID: 0026_item_resubmission
Revises: 0025_open_deadline_queue
"""
from alembic import op
import sqlalchemy as sa

from store.models import UTCDateTime

revision = '0026_item_resubmission'
down_revision = '0025_open_deadline_queue'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no batch: on SQLite a batch copy of ``items`` would drop its triggers.
    op.add_column('items', sa.Column('resubmit_at', UTCDateTime(), nullable=True))
    op.add_column('items', sa.Column('resubmit_note', sa.Text(), nullable=True))
    op.add_column('items', sa.Column('resubmit_by', sa.String(120), nullable=True))
    op.create_index('ix_items_resubmit', 'items', ['resubmit_at'])


def downgrade() -> None:
    op.drop_index('ix_items_resubmit', 'items')
    for column in ('resubmit_by', 'resubmit_note', 'resubmit_at'):
        op.drop_column('items', column)
