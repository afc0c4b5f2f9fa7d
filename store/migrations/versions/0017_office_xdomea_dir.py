"""queues.xdomea_dir: each office's transfer directory for the hand-over to its E-Akte

Revision ID: 0017_office_xdomea_dir
Revises: 0016_referral_phrases
"""
from alembic import op
import sqlalchemy as sa

revision = '0017_office_xdomea_dir'
down_revision = '0016_referral_phrases'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.add_column(sa.Column('xdomea_dir', sa.String(500)))


def downgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.drop_column('xdomea_dir')
