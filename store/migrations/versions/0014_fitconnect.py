"""FIT-Connect: submissions picked up (accept/reject exactly once) and console destinations

Revision ID: 0014_fitconnect
Revises: 0013_conversations
"""
from alembic import op
import sqlalchemy as sa

from store.models import JSONType, UTCDateTime

revision = '0014_fitconnect'
down_revision = '0013_conversations'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'fitconnect_submissions',
        sa.Column('submission_id', sa.String(64), primary_key=True),
        sa.Column('destination', sa.String(200), nullable=False),
        sa.Column('destination_id', sa.String(64), nullable=False),
        sa.Column('case_id', sa.String(64), nullable=False),
        sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                  sa.ForeignKey('items.id', ondelete='SET NULL')),
        sa.Column('outcome', sa.String(16), nullable=False),
        sa.Column('problems', JSONType, nullable=False),
        sa.Column('authentication_tags', JSONType, nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('confirmed_at', UTCDateTime()),
    )
    op.create_table(
        'fitconnect_destination_configs',
        sa.Column('name', sa.String(200), primary_key=True),
        sa.Column('destination_id', sa.String(64), nullable=False),
        sa.Column('api_url', sa.String(500), nullable=False),
        sa.Column('token_url', sa.String(500), nullable=False),
        sa.Column('client_id', sa.String(200), nullable=False),
        sa.Column('client_secret_encrypted', sa.Text(), nullable=False),
        sa.Column('scope', sa.String(500)),
        sa.Column('encryption_key_encrypted', sa.Text(), nullable=False),
        sa.Column('signing_key_encrypted', sa.Text(), nullable=False),
        sa.Column('callback_secret_encrypted', sa.Text(), nullable=False),
        sa.Column('queue_hint', sa.String(32)),
        sa.Column('poll_interval', sa.Float()),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.Column('updated_at', UTCDateTime(), nullable=False),
        sa.Column('updated_by', sa.String(120)),
    )


def downgrade() -> None:
    op.drop_table('fitconnect_destination_configs')
    op.drop_table('fitconnect_submissions')
