"""pages of a mailroom batch read so far (the batch page shows "Seite 12 von 60 gelesen")

Revision ID: 0023_batch_progress
Revises: 0022_steering_local_days
"""
from alembic import op
import sqlalchemy as sa

revision = '0023_batch_progress'
down_revision = '0022_steering_local_days'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.add_column(sa.Column('pages_read', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.drop_column('pages_read')
