"""the Kommune's address in the catalogue (where appointments are when an office names no place)

Revision ID: 0020_kommune_address
Revises: 0019_assigned_counts
"""
from alembic import op
import sqlalchemy as sa

revision = '0020_kommune_address'
down_revision = '0019_assigned_counts'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kommune') as batch:
        batch.add_column(sa.Column('address', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kommune') as batch:
        batch.drop_column('address')
