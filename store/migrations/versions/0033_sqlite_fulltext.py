"""embedded SQLite: full-text search from an FTS5 index kept by triggers; the due
Wiedervorlagen from partial indexes

SQLite searched with LIKE over every item (a rare word 1.5 s at 100,000 items). Now an FTS5
table of trigrams proposes the candidates (store.sqlite_search), kept by triggers in the
transaction of every insert, delete and change of a searched column; the backfill indexes
every item once. PostgreSQL keeps its tsvector (0007): nothing changes there.

"Wiedervorlage fällig" and the due count of a Fachamt user's live counts read the inbox order
or the office's items to find the few items with a Wiedervorlage (``ix_items_resubmit`` over
every item, nearly all NULL, looked as wide as the table to SQLite's planner). Partial indexes
over the items that have one, also by office, are read instead.

Beware (as 0008): on SQLite ``op.batch_alter_table('items')`` would drop these triggers.

Revision ID: 0033_sqlite_fulltext
Revises: 0032_scan_folder_channel
"""
from alembic import op

from store import sqlite_search

revision = '0033_sqlite_fulltext'
down_revision = '0032_scan_folder_channel'
branch_labels = None
depends_on = None

HAVE = "resubmit_at IS NOT NULL"
# The columns searched at this revision (0035 added the identifiers).
SEARCHED = ("subject", "sender_name", "sender", "reference", "full_text", "text")
SOURCES = ("subject", "sender_name", "sender", "reference", "coalesce(nullif({row}full_text, ''), {row}text)")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute(sqlite_search.CREATE_TABLE)
    for statement in (*sqlite_search.trigger_sql(SEARCHED, SOURCES), *sqlite_search.fill_sql(SOURCES)):
        op.execute(statement)
    op.execute("DROP INDEX ix_items_resubmit")
    op.execute(f"CREATE INDEX ix_items_resubmit ON items (resubmit_at) WHERE {HAVE}")
    op.execute(f"CREATE INDEX ix_items_queue_resubmit ON items (queue, resubmit_at) WHERE {HAVE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    op.execute("DROP INDEX ix_items_queue_resubmit")
    op.execute("DROP INDEX ix_items_resubmit")
    op.execute("CREATE INDEX ix_items_resubmit ON items (resubmit_at)")
    for trigger in sqlite_search.TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute(f"DROP TABLE {sqlite_search.FTS_TABLE}")
