"""pages of a mailroom batch read so far (the batch page shows "Seite 12 von 60 gelesen")

Revision ID: 0022_batch_progress
Revises: 0021_office_response_target
"""
from alembic import op
import sqlalchemy as sa

revision = '0022_batch_progress'
down_revision = '0021_office_response_target'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.add_column(sa.Column('pages_read', sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('batches') as batch:
        batch.drop_column('pages_read')
