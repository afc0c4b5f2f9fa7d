"""steering_daily: the dashboard's figures per day, kept by triggers; items.first_action_at

The Steuerung dashboard (/steuerung) shows inflow per channel, routing, re-routes, closings
and the time to the first action of a person, per office and day. Like ``item_counts``
(0008) the database keeps them itself: triggers on ``items`` add to ``steering_daily`` in the
transaction of every insert and change, so a dashboard request sums a few hundred rows
instead of grouping a million items. Unlike the live counts these are history: deleting an
item at the end of its retention period does not take it out of last year's inflow.

Days are UTC dates. PostgreSQL spreads each key over 8 slots (by backend pid) as 0008 does.
Existing items are counted once here (a GROUP BY at migration time): inflow by receipt day;
routing, closings and re-routes of the past cannot be told from the items and start now.

Partial indexes over open items (status <> 'done') answer the oldest open item per office,
deadlines and open items per person without reading closed items.

Revision ID: 0018_steering
Revises: 0017_office_xdomea_dir
"""
from alembic import op
import sqlalchemy as sa

from store.models import UTCDateTime

revision = '0018_steering'
down_revision = '0017_office_xdomea_dir'
branch_labels = None
depends_on = None

PG_SLOTS = 8
PIPELINE = "('received', 'extracted', 'classified')"

_PG = f"""
CREATE FUNCTION steering_add(d date, m text, q text, ch text, s smallint, total double precision)
RETURNS void AS $$
  INSERT INTO steering_daily AS c (day, metric, queue, channel, slot, n, total)
    VALUES (d, m, q, ch, s, 1, total)
    ON CONFLICT (day, metric, queue, channel, slot) DO UPDATE SET n = c.n + 1, total = c.total + excluded.total;
$$ LANGUAGE sql;
CREATE FUNCTION steering_track() RETURNS trigger AS $$
DECLARE
  s smallint := pg_backend_pid() % {PG_SLOTS};
  today date := (now() AT TIME ZONE 'UTC')::date;
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM steering_add((NEW.received_at AT TIME ZONE 'UTC')::date, 'inflow', '', NEW.channel, s, 0);
    RETURN NULL;
  END IF;
  IF NEW.status = 'routed' AND OLD.status IN {PIPELINE} THEN
    PERFORM steering_add(today, 'routed', coalesce(NEW.queue, ''), NEW.channel, s, 0);
  END IF;
  IF OLD.queue IS NOT NULL AND NEW.queue IS DISTINCT FROM OLD.queue AND OLD.queue <> 'clearing'
     AND OLD.status NOT IN {PIPELINE} THEN
    PERFORM steering_add(today, 'reroute', OLD.queue, '', s, 0);
  END IF;
  IF NEW.status = 'done' AND OLD.status <> 'done' THEN
    PERFORM steering_add(today, CASE WHEN NEW.first_action_at IS NULL THEN 'done_auto' ELSE 'done_person' END,
                         coalesce(NEW.queue, ''), '', s, 0);
  END IF;
  IF OLD.first_action_at IS NULL AND NEW.first_action_at IS NOT NULL THEN
    PERFORM steering_add((NEW.first_action_at AT TIME ZONE 'UTC')::date, 'first_action', coalesce(NEW.queue, ''), '', s,
                         greatest(extract(epoch FROM NEW.first_action_at - NEW.received_at), 0));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER items_steering_insert AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION steering_track();
CREATE TRIGGER items_steering_update AFTER UPDATE OF status, queue, first_action_at ON items
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.queue IS DISTINCT FROM NEW.queue
                     OR OLD.first_action_at IS DISTINCT FROM NEW.first_action_at)
  EXECUTE FUNCTION steering_track();
"""

_SQLITE_ADD = """INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total)
    VALUES ({day}, {metric}, {queue}, {channel}, 0, 1, {total})
    ON CONFLICT (day, metric, queue, channel, slot) DO UPDATE SET n = n + 1, total = total + excluded.total;"""


def _sqlite_trigger(name: str, event: str, when: str, **values: str) -> str:
    return (f"CREATE TRIGGER {name} AFTER {event} ON items FOR EACH ROW WHEN {when} BEGIN "
            + _SQLITE_ADD.format(**values) + " END;")


_SQLITE = [
    _sqlite_trigger("items_steering_inflow", "INSERT", "1", day="date(NEW.received_at)",
                    metric="'inflow'", queue="''", channel="NEW.channel", total="0"),
    _sqlite_trigger("items_steering_routed", "UPDATE OF status",
                    f"NEW.status = 'routed' AND OLD.status IN {PIPELINE}", day="date('now')",
                    metric="'routed'", queue="coalesce(NEW.queue, '')", channel="NEW.channel", total="0"),
    _sqlite_trigger("items_steering_reroute", "UPDATE OF queue",
                    f"OLD.queue IS NOT NULL AND NEW.queue IS NOT OLD.queue AND OLD.queue <> 'clearing' "
                    f"AND OLD.status NOT IN {PIPELINE}", day="date('now')", metric="'reroute'",
                    queue="OLD.queue", channel="''", total="0"),
    _sqlite_trigger("items_steering_done", "UPDATE OF status",
                    "NEW.status = 'done' AND OLD.status <> 'done'", day="date('now')",
                    metric="CASE WHEN NEW.first_action_at IS NULL THEN 'done_auto' ELSE 'done_person' END",
                    queue="coalesce(NEW.queue, '')", channel="''", total="0"),
    _sqlite_trigger("items_steering_first_action", "UPDATE OF first_action_at",
                    "OLD.first_action_at IS NULL AND NEW.first_action_at IS NOT NULL",
                    day="date(NEW.first_action_at)", metric="'first_action'",
                    queue="coalesce(NEW.queue, '')", channel="''",
                    total="max((julianday(NEW.first_action_at) - julianday(NEW.received_at)) * 86400.0, 0)"),
]

_OPEN = "status <> 'done'"


def upgrade() -> None:
    op.create_table(
        'steering_daily',
        sa.Column('day', sa.Date(), primary_key=True),
        sa.Column('metric', sa.String(24), primary_key=True),
        sa.Column('queue', sa.String(32), primary_key=True),
        sa.Column('channel', sa.String(16), primary_key=True),
        sa.Column('slot', sa.SmallInteger(), primary_key=True),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
    )
    # A plain ADD COLUMN (no batch): on SQLite a table rebuild would drop item_counts' triggers.
    op.add_column('items', sa.Column('first_action_at', UTCDateTime()))
    where = {"postgresql_where": sa.text(_OPEN), "sqlite_where": sa.text(_OPEN)}
    op.create_index('ix_items_open_queue_received', 'items', ['queue', 'received_at'], **where)
    op.create_index('ix_items_open_deadline', 'items', ['deadline'],
                    postgresql_where=sa.text(f"{_OPEN} AND deadline IS NOT NULL"),
                    sqlite_where=sa.text(f"{_OPEN} AND deadline IS NOT NULL"))
    op.create_index('ix_items_open_assigned', 'items', ['assigned_to'],
                    postgresql_where=sa.text(f"{_OPEN} AND assigned_to IS NOT NULL"),
                    sqlite_where=sa.text(f"{_OPEN} AND assigned_to IS NOT NULL"))
    day = "(received_at AT TIME ZONE 'UTC')::date" if op.get_bind().dialect.name == "postgresql" \
        else "date(received_at)"
    op.execute(f"INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total) "
               f"SELECT {day}, 'inflow', '', channel, 0, count(*), 0 FROM items GROUP BY {day}, channel")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG)
    else:
        for statement in _SQLITE:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER items_steering_insert ON items; DROP TRIGGER items_steering_update ON items; "
                   "DROP FUNCTION steering_track(); "
                   "DROP FUNCTION steering_add(date, text, text, text, smallint, double precision)")
    else:
        for name in ("inflow", "routed", "reroute", "done", "first_action"):
            op.execute(f"DROP TRIGGER items_steering_{name}")
    for index in ('ix_items_open_assigned', 'ix_items_open_deadline', 'ix_items_open_queue_received'):
        op.drop_index(index, 'items')
    op.drop_column('items', 'first_action_at')
    op.drop_table('steering_daily')
