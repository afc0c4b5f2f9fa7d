"""the Kommune's address in the catalogue (where appointments are when an office names no place)

Revision ID: 0019_kommune_address
Revises: 0018_steering
"""
from alembic import op
import sqlalchemy as sa

revision = '0019_kommune_address'
down_revision = '0018_steering'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kommune') as batch:
        batch.add_column(sa.Column('address', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kommune') as batch:
        batch.drop_column('address')
