"""each office's response-time target (hours from receipt to the first action of a person)

Revision ID: 0021_office_response_target
Revises: 0020_kommune_address
"""
from alembic import op
import sqlalchemy as sa

revision = '0021_office_response_target'
down_revision = '0020_kommune_address'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.add_column(sa.Column('response_target_hours', sa.Float(), nullable=True))
    # The former default of EINGANG_FIRST_ACTION_TARGET_HOURS gave the Clearing-Stelle 24 hours
    # and every other office 48 (now the house default): the Clearing-Stelle keeps its day.
    op.execute("UPDATE queues SET response_target_hours = 24 WHERE key = 'clearing'")


def downgrade() -> None:
    with op.batch_alter_table('queues') as batch:
        batch.drop_column('response_target_hours')
