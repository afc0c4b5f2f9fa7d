"""mailroom batches

Revision ID: 0002_batches
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import store.models
from sqlalchemy.dialects import postgresql

revision = '0002_batches'
down_revision = '0001'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table('batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('item_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source', sa.String(length=320), nullable=True),
    sa.Column('received_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('rules', _JSON, nullable=False),
    sa.Column('page_count', sa.Integer(), nullable=True),
    sa.Column('pages', _JSON, nullable=False),
    sa.Column('letters', _JSON, nullable=False),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('searchable_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id'),
    )


def downgrade() -> None:
    op.drop_table('batches')
