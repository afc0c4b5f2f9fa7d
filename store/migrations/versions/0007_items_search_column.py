"""full-text search on PostgreSQL from a stored tsvector column (no re-parsing of texts per query);
index for the live counts

Revision ID: 0007_items_search_column
Revises: 0006_mail_channel
"""
from alembic import op

revision = '0007_items_search_column'
down_revision = '0006_mail_channel'
branch_labels = None
depends_on = None

# Must match admin.inbox.FTS_SOURCE.
FTS_EXPR = (
    "to_tsvector('german'::regconfig, coalesce(subject, '') || ' ' || "
    "coalesce(sender_name, '') || ' ' || coalesce(sender, '') || ' ' || "
    "coalesce(reference, '') || ' ' || left(coalesce(full_text, text, ''), 200000))"
)


def upgrade() -> None:
    # The live counts: one index-only scan grouped by status, queue and urgency.
    op.create_index('ix_items_counts', 'items', ['status', 'queue', 'urgent'])
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite (embedded) searches with LIKE
    op.execute("DROP INDEX IF EXISTS ix_items_fts")
    op.execute(f"ALTER TABLE items ADD COLUMN search tsvector GENERATED ALWAYS AS ({FTS_EXPR}) STORED")
    op.execute("CREATE INDEX ix_items_search ON items USING gin (search)")


def downgrade() -> None:
    op.drop_index('ix_items_counts', table_name='items')
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS ix_items_search")
    op.execute("ALTER TABLE items DROP COLUMN IF EXISTS search")
