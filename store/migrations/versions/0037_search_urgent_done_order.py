"""the open items' word index in two parts, urgent and not; the closed items' inbox order

The inbox lists urgent items first. A search of words neither common nor rare (1–4 matches
per 1,000 items) takes its matches from the word index of the open items, every one of them
with a heap page to learn its place in that order, and decodes the postings of every open
item for each word: at 1,000,000 items 1,262–2,463 pages and 25–110 ms for a first page that
shows 50 urgent items. With the urgent open items in an index of their own, a first page
asks that small index first (106 pages, 3 ms of its 108) and the other open items only where
the urgent ones do not fill the page. Every open item is in exactly one of the two, so a
write costs what it cost before.

The filter "erledigt" (status 'done') read the inbox order of all items and stepped over the
open urgent ones before its first row (50,000 heap pages, 1.5–2 s at 1,000,000 items):
PostgreSQL's estimate cannot know that closed items come after the urgent open ones, and
it rated ``ix_items_status_inbox`` (status first) dearer. ``ix_items_done_inbox`` is the
closed items' own inbox order (urgent, activity_at, id), which it rates cheapest.

Revision ID: 0037_search_urgent_done_order
Revises: 0036_sqlite_steering_monthly
"""
from alembic import op

revision = '0037_search_urgent_done_order'
down_revision = '0036_sqlite_steering_monthly'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return  # SQLite searches its FTS5 index (0033) and plans by its own rules
    # The predicates as admin.inbox.indexed_words writes them (PostgreSQL matches them by form).
    op.execute("CREATE INDEX ix_items_search_urgent ON items USING gin (search) "
               "WHERE status <> 'done' AND urgent")
    op.execute("CREATE INDEX ix_items_search_not_urgent ON items USING gin (search) "
               "WHERE status <> 'done' AND NOT urgent")
    op.execute("DROP INDEX IF EXISTS ix_items_search_open")
    op.execute("CREATE INDEX ix_items_done_inbox ON items (urgent, activity_at, id) WHERE status = 'done'")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute("DROP INDEX IF EXISTS ix_items_done_inbox")
    op.execute("CREATE INDEX ix_items_search_open ON items USING gin (search) WHERE status <> 'done'")
    op.execute("DROP INDEX IF EXISTS ix_items_search_urgent")
    op.execute("DROP INDEX IF EXISTS ix_items_search_not_urgent")
