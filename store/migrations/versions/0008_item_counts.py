"""live counts per status, queue and urgency kept by triggers (item_counts)

The inbox shows open items per queue and per status. A GROUP BY over all items took ~0.9 s
at 1,000,000 items; the database now keeps the counts itself: a trigger on ``items`` adds
+1/-1 to ``item_counts`` in the same transaction as every insert, delete and change of
status, queue or urgency, whoever makes it (pipeline, staff, merges, retention, raw SQL).
Increments (``n = n + delta``), never read-modify-write, so concurrent changes stay exact.

PostgreSQL spreads each key over 8 slots (by backend pid), so concurrent transactions do not
queue for one hot row (every new item increments "received, no queue"); readers sum the
slots. SQLite has one writer at a time and uses slot 0.

Beware: on SQLite, ``op.batch_alter_table('items')`` recreates the table and drops these
triggers; a later migration doing that must create them again (tests/test_item_counts.py
would notice).

Revision ID: 0008_item_counts
Revises: 0007_items_search_column
"""
from alembic import op
import sqlalchemy as sa

revision = '0008_item_counts'
down_revision = '0007_items_search_column'
branch_labels = None
depends_on = None

PG_SLOTS = 8

_PG_TRIGGERS = f"""
CREATE FUNCTION item_counts_track() RETURNS trigger AS $$
DECLARE
  s smallint := pg_backend_pid() % {PG_SLOTS};
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO item_counts AS c (status, queue, urgent, slot, n)
      VALUES (NEW.status, coalesce(NEW.queue, ''), NEW.urgent, s, 1)
      ON CONFLICT (status, queue, urgent, slot) DO UPDATE SET n = c.n + 1;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO item_counts AS c (status, queue, urgent, slot, n)
      VALUES (OLD.status, coalesce(OLD.queue, ''), OLD.urgent, s, -1)
      ON CONFLICT (status, queue, urgent, slot) DO UPDATE SET n = c.n - 1;
  ELSE
    -- One statement for both rows, in key order: two transactions moving items in opposite
    -- directions lock the rows in the same order and cannot deadlock each other.
    INSERT INTO item_counts AS c (status, queue, urgent, slot, n)
      SELECT v.status, v.queue, v.urgent, s, v.n FROM (VALUES
          (OLD.status, coalesce(OLD.queue, ''), OLD.urgent, -1),
          (NEW.status, coalesce(NEW.queue, ''), NEW.urgent, 1)) AS v (status, queue, urgent, n)
        ORDER BY v.status, v.queue, v.urgent
      ON CONFLICT (status, queue, urgent, slot) DO UPDATE SET n = c.n + excluded.n;
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER items_counts_insert_delete AFTER INSERT OR DELETE ON items
  FOR EACH ROW EXECUTE FUNCTION item_counts_track();
CREATE TRIGGER items_counts_update AFTER UPDATE OF status, queue, urgent ON items
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.queue IS DISTINCT FROM NEW.queue
                     OR OLD.urgent IS DISTINCT FROM NEW.urgent)
  EXECUTE FUNCTION item_counts_track();
"""

_SQLITE_UPSERT = "ON CONFLICT (status, queue, urgent, slot) DO UPDATE SET n = n + excluded.n"
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER items_counts_insert AFTER INSERT ON items BEGIN "
    "INSERT INTO item_counts (status, queue, urgent, slot, n) "
    f"VALUES (NEW.status, coalesce(NEW.queue, ''), NEW.urgent, 0, 1) {_SQLITE_UPSERT}; END",
    "CREATE TRIGGER items_counts_delete AFTER DELETE ON items BEGIN "
    "INSERT INTO item_counts (status, queue, urgent, slot, n) "
    f"VALUES (OLD.status, coalesce(OLD.queue, ''), OLD.urgent, 0, -1) {_SQLITE_UPSERT}; END",
    "CREATE TRIGGER items_counts_update AFTER UPDATE OF status, queue, urgent ON items "
    "WHEN OLD.status IS NOT NEW.status OR OLD.queue IS NOT NEW.queue OR OLD.urgent IS NOT NEW.urgent "
    "BEGIN INSERT INTO item_counts (status, queue, urgent, slot, n) VALUES "
    "(OLD.status, coalesce(OLD.queue, ''), OLD.urgent, 0, -1), "
    f"(NEW.status, coalesce(NEW.queue, ''), NEW.urgent, 0, 1) {_SQLITE_UPSERT}; END",
]

_BACKFILL = (
    "INSERT INTO item_counts (status, queue, urgent, slot, n) "
    "SELECT status, coalesce(queue, ''), urgent, 0, count(*) FROM items "
    "GROUP BY status, coalesce(queue, ''), urgent"
)


def upgrade() -> None:
    op.create_table(
        'item_counts',
        sa.Column('status', sa.String(length=24), nullable=False),
        sa.Column('queue', sa.String(length=32), nullable=False),
        sa.Column('urgent', sa.Boolean(), nullable=False),
        sa.Column('slot', sa.SmallInteger(), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('status', 'queue', 'urgent', 'slot'),
    )
    if op.get_bind().dialect.name == 'postgresql':
        # No item may change between creating the triggers and counting what is there.
        op.execute("LOCK TABLE items IN SHARE ROW EXCLUSIVE MODE")
        op.execute(_PG_TRIGGERS)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    op.execute(_BACKFILL)
    # Only the grouped count used it; one index less to update on every status change.
    op.drop_index('ix_items_counts', table_name='items')


def downgrade() -> None:
    op.create_index('ix_items_counts', 'items', ['status', 'queue', 'urgent'])
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS items_counts_update ON items")
        op.execute("DROP TRIGGER IF EXISTS items_counts_insert_delete ON items")
        op.execute("DROP FUNCTION IF EXISTS item_counts_track()")
    else:
        for name in ('items_counts_insert', 'items_counts_delete', 'items_counts_update'):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table('item_counts')
