"""users.session_epoch: logout and a password change end every session of the user

Revision ID: 0011_session_epoch
Revises: 0010_channel_configs
"""
from alembic import op
import sqlalchemy as sa

revision = '0011_session_epoch'
down_revision = '0010_channel_configs'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('users') as batch:
        batch.drop_column('session_epoch')
