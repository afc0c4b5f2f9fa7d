"""assigned_counts: open items per person and office, kept by triggers (dashboard)

"Open items per staff member" on /steuerung was a GROUP BY over the open assigned items
(hundreds of thousands in a large installation). As ``item_counts`` (0008) the database now
keeps the numbers itself: +1/-1 in the transaction of every insert, delete and change of
status, office or assignment. Only open items (status <> 'done') are counted.

Revision ID: 0019_assigned_counts
Revises: 0018_steering
"""
from alembic import op
import sqlalchemy as sa

revision = '0019_assigned_counts'
down_revision = '0018_steering'
branch_labels = None
depends_on = None

PG_SLOTS = 8

_PG = f"""
CREATE FUNCTION assigned_counts_track() RETURNS trigger AS $$
DECLARE
  s smallint := pg_backend_pid() % {PG_SLOTS};
BEGIN
  -- One statement for both rows in key order (no deadlock between opposite moves), as 0008.
  INSERT INTO assigned_counts AS c (assigned_to, queue, slot, n)
    SELECT v.assigned_to, v.queue, s, sum(v.n) FROM (
      SELECT OLD.assigned_to, coalesce(OLD.queue, ''), -1
        WHERE TG_OP <> 'INSERT' AND OLD.assigned_to IS NOT NULL AND OLD.status <> 'done'
      UNION ALL
      SELECT NEW.assigned_to, coalesce(NEW.queue, ''), 1
        WHERE TG_OP <> 'DELETE' AND NEW.assigned_to IS NOT NULL AND NEW.status <> 'done'
    ) AS v (assigned_to, queue, n)
    GROUP BY v.assigned_to, v.queue ORDER BY v.assigned_to, v.queue
    ON CONFLICT (assigned_to, queue, slot) DO UPDATE SET n = c.n + excluded.n;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER items_assigned_insert_delete AFTER INSERT OR DELETE ON items
  FOR EACH ROW EXECUTE FUNCTION assigned_counts_track();
CREATE TRIGGER items_assigned_update AFTER UPDATE OF status, queue, assigned_to ON items
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.queue IS DISTINCT FROM NEW.queue
                     OR OLD.assigned_to IS DISTINCT FROM NEW.assigned_to)
  EXECUTE FUNCTION assigned_counts_track();
"""

_ADD = ("INSERT INTO assigned_counts (assigned_to, queue, slot, n) "
        "SELECT {row}.assigned_to, coalesce({row}.queue, ''), 0, {delta} "
        "WHERE {row}.assigned_to IS NOT NULL AND {row}.status <> 'done' "
        "ON CONFLICT (assigned_to, queue, slot) DO UPDATE SET n = n + excluded.n;")
_SQLITE = [
    f"CREATE TRIGGER items_assigned_insert AFTER INSERT ON items BEGIN {_ADD.format(row='NEW', delta=1)} END;",
    f"CREATE TRIGGER items_assigned_delete AFTER DELETE ON items BEGIN {_ADD.format(row='OLD', delta=-1)} END;",
    "CREATE TRIGGER items_assigned_update AFTER UPDATE OF status, queue, assigned_to ON items "
    "WHEN OLD.status IS NOT NEW.status OR OLD.queue IS NOT NEW.queue OR OLD.assigned_to IS NOT NEW.assigned_to "
    f"BEGIN {_ADD.format(row='OLD', delta=-1)} {_ADD.format(row='NEW', delta=1)} END;",
]


def upgrade() -> None:
    op.create_table(
        'assigned_counts',
        sa.Column('assigned_to', sa.String(120), primary_key=True),
        sa.Column('queue', sa.String(32), primary_key=True),
        sa.Column('slot', sa.SmallInteger(), primary_key=True),
        sa.Column('n', sa.BigInteger(), nullable=False),
    )
    op.execute("INSERT INTO assigned_counts (assigned_to, queue, slot, n) "
               "SELECT assigned_to, coalesce(queue, ''), 0, count(*) FROM items "
               "WHERE status <> 'done' AND assigned_to IS NOT NULL GROUP BY assigned_to, coalesce(queue, '')")
    # 0018's partial index for the GROUP BY this replaces: no longer read, only written.
    op.drop_index('ix_items_open_assigned', 'items')
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG)
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER items_assigned_insert_delete ON items; "
                   "DROP TRIGGER items_assigned_update ON items; DROP FUNCTION assigned_counts_track()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER items_assigned_{name}")
    op.drop_table('assigned_counts')
    op.create_index('ix_items_open_assigned', 'items', ['assigned_to'],
                    postgresql_where=sa.text("status <> 'done' AND assigned_to IS NOT NULL"),
                    sqlite_where=sa.text("status <> 'done' AND assigned_to IS NOT NULL"))
