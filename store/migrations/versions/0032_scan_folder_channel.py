"""A scan folder names the catalogue channel its files arrive on (e.g. a fax server's folder);
none: letter, as before

Revision ID: 0032_scan_folder_channel
Revises: 0031_items_assigned_inbox
"""
from alembic import op
import sqlalchemy as sa

revision = '0032_scan_folder_channel'
down_revision = '0031_items_assigned_inbox'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('scan_folder_configs', sa.Column('channel', sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column('scan_folder_configs', 'channel')
