"""mailboxes and scan folders configured in the admin console

Revision ID: 0010_channel_configs
Revises: 0009_smtp_rate_windows
"""
from alembic import op
import sqlalchemy as sa
import store.models

revision = '0010_channel_configs'
down_revision = '0009_smtp_rate_windows'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mailbox_configs',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('port', sa.Integer(), nullable=False),
    sa.Column('security', sa.String(length=16), nullable=False),
    sa.Column('verify_tls', sa.Boolean(), nullable=False),
    sa.Column('username', sa.String(length=320), nullable=False),
    sa.Column('password_encrypted', sa.Text(), nullable=False),
    sa.Column('folder', sa.String(length=255), nullable=False),
    sa.Column('processed_folder', sa.String(length=255), nullable=True),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('queue_hint', sa.String(length=32), nullable=True),
    sa.Column('poll_interval', sa.Float(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('scan_folder_configs',
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('queue_hint', sa.String(length=32), nullable=True),
    sa.Column('batch', sa.Boolean(), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('path')
    )


def downgrade() -> None:
    op.drop_table('scan_folder_configs')
    op.drop_table('mailbox_configs')
