"""mail channel: IMAP bookkeeping per mailbox, mail identity for duplicates, thread index

Revision ID: 0006_mail_channel
Revises: 0005_users_inbox
Create Date: 2026-11-21 04:50:00
"""
from alembic import op
import sqlalchemy as sa
import store.models

revision = '0006_mail_channel'
down_revision = '0005_users_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('imap_mailboxes',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('lease_owner', sa.String(length=200), nullable=True),
    sa.Column('lease_until', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mail_identity', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_items_mail_identity', ['mail_identity'], unique=True)
        batch_op.create_index('ix_items_thread', ['thread_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index('ix_items_thread')
        batch_op.drop_index('ix_items_mail_identity')
        batch_op.drop_column('mail_identity')
    op.drop_table('imap_mailboxes')
