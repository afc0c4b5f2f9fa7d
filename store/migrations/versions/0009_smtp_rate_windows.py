"""SMTP rate limit shared by several SMTP processes: messages per client address and minute

Revision ID: 0009_smtp_rate_windows
Revises: 0008_item_counts
"""
import sqlalchemy as sa
from alembic import op

from store.models import UTCDateTime

revision = '0009_smtp_rate_windows'
down_revision = '0008_item_counts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'smtp_rate_windows',
        sa.Column('client', sa.String(length=64), nullable=False),
        sa.Column('window_start', UTCDateTime(timezone=True), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('client', 'window_start'),
    )


def downgrade() -> None:
    op.drop_table('smtp_rate_windows')
