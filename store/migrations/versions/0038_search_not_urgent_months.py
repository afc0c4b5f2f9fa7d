"""the other open items' words indexed with the month of their last activity

A search of words neither common nor rare past the urgent items (page 2 on, or „nicht
dringend“) took its matches from the other open items' word index (0037), and that index
answers an AND of common words only by decoding every posting of each word: at 1,000,000
items four words with 1.2 matches per 1,000 open items decoded ~4 × 170,000 postings (74 ms
of an 87 ms search, EXPLAIN ANALYZE) to show 50 of their 1,111 matches. The same GIN index
with the month (UTC) of the item's last activity as its first column (btree_gin, shipped
with PostgreSQL's contrib modules and trusted: the database owner may create it) lets a
search ask for the newest months first, each by its value (admin.inbox, ``RECENT_MONTHS``):
GIN then steps through the words' postings by those of the month and skips the rest (13 ms
instead of 35 for the same page). Every other form of search asks the word column alone, as
it asked the index this one replaces. Every open item not urgent is still in exactly one
word index, so a write costs one more index entry (its month).

Revision ID: 0038_search_not_urgent_months
Revises: 0037_search_urgent_done_order
"""
from alembic import op

revision = '0038_search_not_urgent_months'
down_revision = '0037_search_urgent_done_order'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite searches its FTS5 index (0033)
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    # The month as admin.inbox.ACTIVITY_MONTH writes it, the predicate as admin.inbox.indexed_words
    # does (PostgreSQL matches both by form).
    op.execute("CREATE INDEX ix_items_search_not_urgent_months ON items USING gin "
               "((date_trunc('month', activity_at AT TIME ZONE 'UTC')), search) "
               "WHERE status <> 'done' AND NOT urgent")
    op.execute("DROP INDEX IF EXISTS ix_items_search_not_urgent")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("CREATE INDEX ix_items_search_not_urgent ON items USING gin (search) "
               "WHERE status <> 'done' AND NOT urgent")
    op.execute("DROP INDEX IF EXISTS ix_items_search_not_urgent_months")
    # btree_gin stays: something else may use it by now, and it costs nothing unused.
