"""staff users; inbox indexes (urgent first keyset order, German full-text search on PostgreSQL)

Revision ID: 0005_users_inbox
Revises: 0004_audit_retention
"""
from alembic import op
import sqlalchemy as sa
import store.models
from sqlalchemy.dialects import postgresql

revision = '0005_users_inbox'
down_revision = '0004_audit_retention'
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# Must match admin.inbox.search_vector() exactly, or PostgreSQL will not use the index.
FTS_EXPR = (
    "to_tsvector('german'::regconfig, coalesce(items.subject, '') || ' ' || "
    "coalesce(items.sender_name, '') || ' ' || coalesce(items.sender, '') || ' ' || "
    "coalesce(items.reference, '') || ' ' || left(coalesce(items.full_text, items.text, ''), 200000))"
)


def upgrade() -> None:
    op.create_table('users',
    sa.Column('id', _ID, autoincrement=True, nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('roles', _JSON, nullable=False),
    sa.Column('queues', _JSON, nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', store.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', store.models.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('username'),
    )
    # The inbox order: urgent first, newest first, id as tie-breaker (keyset pagination).
    op.create_index('ix_items_inbox', 'items', ['urgent', 'received_at', 'id'])
    op.create_index('ix_items_queue_inbox', 'items', ['queue', 'urgent', 'received_at', 'id'])
    op.create_index('ix_items_status_inbox', 'items', ['status', 'urgent', 'received_at', 'id'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX ix_items_fts ON items USING gin (({FTS_EXPR}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP INDEX IF EXISTS ix_items_fts")
    op.drop_index('ix_items_status_inbox', table_name='items')
    op.drop_index('ix_items_queue_inbox', table_name='items')
    op.drop_index('ix_items_inbox', table_name='items')
    op.drop_table('users')
