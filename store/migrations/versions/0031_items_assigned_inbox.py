"""the inbox filter "mir zugewiesen" from an index: (assigned_to, urgent, activity_at, id)

The filter read the inbox's order (ix_items_inbox) and checked every item for its assignee:
at 1,000,000 items a person with few open items waited 1.4–2.4 s (a sequential scan over all
items for one with none). Partial: only assigned items are in it.

Revision ID: 0031_items_assigned_inbox
Revises: 0030_intents_channels_added
"""
from alembic import op
import sqlalchemy as sa

revision = '0031_items_assigned_inbox'
down_revision = '0030_intents_channels_added'
branch_labels = None
depends_on = None


def upgrade() -> None:
    where = sa.text("assigned_to IS NOT NULL")
    op.create_index('ix_items_assigned_inbox', 'items', ['assigned_to', 'urgent', 'activity_at', 'id'],
                    postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_index('ix_items_assigned_inbox', 'items')
