"""steering_daily counts the Kommune's local days (Europe/Berlin) instead of UTC days

An item received at 0:30 on a Tuesday in Oldenburg is Monday 22:30 or 23:30 UTC: counted per
UTC day it showed up on the wrong day, week or month of the dashboard. The triggers of 0018
now compute the local date (PostgreSQL ``AT TIME ZONE``; SQLite the EU summer-time rule, see
``store.localdays``), both for the receipt and first-action times and for "today".

The daily inflow of the items that still exist is moved to their local receipt day here (for
the items received between local midnight and UTC midnight). Re-routes, closings and first
actions of past days cannot be re-dated from the items and stay on their UTC day.
An index on the day with the figures included lets PostgreSQL answer a period from the index.

Revision ID: 0022_steering_local_days
Revises: 0021_office_response_target
"""
from alembic import op

from store.localdays import pg_local_date, sqlite_local_date

revision = '0022_steering_local_days'
down_revision = '0021_office_response_target'
branch_labels = None
depends_on = None

PG_SLOTS = 8
PIPELINE = "('received', 'extracted', 'classified')"


def _pg_function(day) -> str:  # type: ignore[no-untyped-def]
    return f"""
CREATE OR REPLACE FUNCTION steering_track() RETURNS trigger AS $$
DECLARE
  s smallint := pg_backend_pid() % {PG_SLOTS};
  today date := {day('now()')};
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM steering_add({day('NEW.received_at')}, 'inflow', '', NEW.channel, s, 0);
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
    PERFORM steering_add({day('NEW.first_action_at')}, 'first_action', coalesce(NEW.queue, ''), '', s,
                         greatest(extract(epoch FROM NEW.first_action_at - NEW.received_at), 0));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


_SQLITE_ADD = """INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total)
    VALUES ({day}, {metric}, {queue}, {channel}, 0, 1, {total})
    ON CONFLICT (day, metric, queue, channel, slot) DO UPDATE SET n = n + 1, total = total + excluded.total;"""


def _sqlite_triggers(day) -> list[str]:  # type: ignore[no-untyped-def]
    def trigger(name: str, event: str, when: str, **values: str) -> str:
        return (f"CREATE TRIGGER {name} AFTER {event} ON items FOR EACH ROW WHEN {when} BEGIN "
                + _SQLITE_ADD.format(**values) + " END;")

    today = day("datetime('now')")
    return [
        trigger("items_steering_inflow", "INSERT", "1", day=day("NEW.received_at"),
                metric="'inflow'", queue="''", channel="NEW.channel", total="0"),
        trigger("items_steering_routed", "UPDATE OF status",
                f"NEW.status = 'routed' AND OLD.status IN {PIPELINE}", day=today,
                metric="'routed'", queue="coalesce(NEW.queue, '')", channel="NEW.channel", total="0"),
        trigger("items_steering_reroute", "UPDATE OF queue",
                f"OLD.queue IS NOT NULL AND NEW.queue IS NOT OLD.queue AND OLD.queue <> 'clearing' "
                f"AND OLD.status NOT IN {PIPELINE}", day=today, metric="'reroute'",
                queue="OLD.queue", channel="''", total="0"),
        trigger("items_steering_done", "UPDATE OF status",
                "NEW.status = 'done' AND OLD.status <> 'done'", day=today,
                metric="CASE WHEN NEW.first_action_at IS NULL THEN 'done_auto' ELSE 'done_person' END",
                queue="coalesce(NEW.queue, '')", channel="''", total="0"),
        trigger("items_steering_first_action", "UPDATE OF first_action_at",
                "OLD.first_action_at IS NULL AND NEW.first_action_at IS NOT NULL",
                day=day("NEW.first_action_at"), metric="'first_action'",
                queue="coalesce(NEW.queue, '')", channel="''",
                total="max((julianday(NEW.first_action_at) - julianday(NEW.received_at)) * 86400.0, 0)"),
    ]


def _utc_pg(expr: str) -> str:
    return f"(({expr}) AT TIME ZONE 'UTC')::date"


def _utc_sqlite(expr: str) -> str:
    return f"date({expr})"


def _move_inflow(source, target) -> None:  # type: ignore[no-untyped-def]
    """Move each existing item's inflow from its ``source`` day to its ``target`` day (slot 0)."""
    src, dst = source("received_at"), target("received_at")
    op.execute(f"""
        INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total)
        SELECT d, 'inflow', '', channel, 0, sum(delta), 0 FROM (
            SELECT {src} AS d, channel, -1 AS delta FROM items WHERE {src} <> {dst}
            UNION ALL
            SELECT {dst}, channel, 1 FROM items WHERE {src} <> {dst}
        ) AS moved WHERE true GROUP BY d, channel
        ON CONFLICT (day, metric, queue, channel, slot) DO UPDATE SET n = steering_daily.n + excluded.n""")


def _switch(old, new) -> None:  # type: ignore[no-untyped-def]
    postgres = op.get_bind().dialect.name == "postgresql"
    _move_inflow(old[postgres], new[postgres])
    if postgres:
        op.execute(_pg_function(new[postgres]))
    else:
        for name in ("inflow", "routed", "reroute", "done", "first_action"):
            op.execute(f"DROP TRIGGER items_steering_{name}")
        for statement in _sqlite_triggers(new[postgres]):
            op.execute(statement)


UTC_DAYS = {True: _utc_pg, False: _utc_sqlite}
LOCAL_DAYS = {True: pg_local_date, False: sqlite_local_date}


def upgrade() -> None:
    _switch(UTC_DAYS, LOCAL_DAYS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_steering_daily_day ON steering_daily (day) "
                   "INCLUDE (metric, queue, channel, n, total)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_steering_daily_day")
    _switch(LOCAL_DAYS, UTC_DAYS)
