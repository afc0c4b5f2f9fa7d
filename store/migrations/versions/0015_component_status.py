"""component_status: last poll, last error and heartbeat of every running part (health)

Revision ID: 0015_component_status
Revises: 0014_fitconnect
"""
from alembic import op
import sqlalchemy as sa

from store.models import UTCDateTime

revision = '0015_component_status'
down_revision = '0014_fitconnect'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'component_status',
        sa.Column('kind', sa.String(32), primary_key=True),
        sa.Column('name', sa.String(200), primary_key=True),
        sa.Column('status', sa.String(8), nullable=False),
        sa.Column('detail', sa.Text()),
        sa.Column('last_ok_at', UTCDateTime()),
        sa.Column('last_error_at', UTCDateTime()),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table('component_status')
