"""conversations: the inbox sorts by the latest incoming message; unread replies; sender lookup

A citizen's reply joins its item (store.threads, worker.conversation) instead of becoming an
item of its own. The item then comes back to the top of the inbox: the inbox sorts by
``activity_at`` (the receipt time of the item's latest incoming message; its own receipt time
until a reply joins) instead of ``received_at``, which stays the legal receipt time.
``unread_since`` marks an item with a new message nobody has opened yet.

``ix_items_sender`` serves the Bestandskunden lookup (worker.known_case): the latest items of
one sender address, case-insensitively, at any number of items.

Plain ADD COLUMN (no batch_alter_table): on SQLite a table rebuild would drop the counting
triggers of 0008.

Revision ID: 0013_conversations
Revises: 0012_catalogue
"""
from alembic import op
import sqlalchemy as sa
import store.models

revision = '0013_conversations'
down_revision = '0012_catalogue'
branch_labels = None
depends_on = None

_OLD_INBOX = {
    'ix_items_inbox': ['urgent', 'received_at', 'id'],
    'ix_items_queue_inbox': ['queue', 'urgent', 'received_at', 'id'],
    'ix_items_status_inbox': ['status', 'urgent', 'received_at', 'id'],
}


def upgrade() -> None:
    op.add_column('items', sa.Column('activity_at', store.models.UTCDateTime(), nullable=True))
    op.add_column('items', sa.Column('unread_since', store.models.UTCDateTime(), nullable=True))
    op.execute('UPDATE items SET activity_at = received_at')
    for name in _OLD_INBOX:
        op.drop_index(name, table_name='items')
    op.create_index('ix_items_inbox', 'items', ['urgent', 'activity_at', 'id'])
    op.create_index('ix_items_queue_inbox', 'items', ['queue', 'urgent', 'activity_at', 'id'])
    op.create_index('ix_items_status_inbox', 'items', ['status', 'urgent', 'activity_at', 'id'])
    op.create_index('ix_items_sender', 'items', [sa.text('lower(sender)'), 'id'])


def downgrade() -> None:
    op.drop_index('ix_items_sender', table_name='items')
    for name, columns in _OLD_INBOX.items():
        op.drop_index(name, table_name='items')
        op.create_index(name, 'items', columns)
    op.drop_column('items', 'unread_since')
    op.drop_column('items', 'activity_at')
