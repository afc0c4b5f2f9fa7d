"""The Kommune's time zone and public-holiday region in the catalogue; the steering triggers read
the zone from there

Until now Europe/Berlin and Niedersachsen's holidays were written into the code and, for the
zone, into the triggers of 0022. The ``kommune`` row now holds both (the values so far for an
existing row); appointment schedules lose their own copies (always the code's defaults) and
follow the Kommune. The triggers compute the local day with the Kommune's zone: PostgreSQL
through ``kommune_local_date()``, which reads the row; SQLite through ``local_zone_offsets``,
the zone's offsets written by the application whenever the zone is set (``store.zonesql``).
For Europe/Berlin every day stays what it was, so no count moves.

Revision ID: 0028_kommune_zone_holidays
Revises: 0027_item_due_at
"""
from alembic import op
import sqlalchemy as sa

from store.zonesql import (
    pg_kommune_local_date,
    pg_local_date,
    sqlite_kommune_local_date,
    sqlite_local_date,
    write_zone_offsets,
)

revision = '0028_kommune_zone_holidays'
down_revision = '0027_item_due_at'
branch_labels = None
depends_on = None

# What the code assumed before this migration.
ZONE_BEFORE, HOLIDAYS_BEFORE = "Europe/Berlin", "DE-NI"
PG_SLOTS = 8
PIPELINE = "('received', 'extracted', 'classified')"
TRIGGERS = ("inflow", "routed", "reroute", "done", "first_action")


def _pg_function(day) -> str:  # type: ignore[no-untyped-def]
    """0022's steering_track with another local-day expression."""
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
    """0022's triggers with another local-day expression."""
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


def _sqlite_switch(day) -> None:  # type: ignore[no-untyped-def]
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER items_steering_{name}")
    for statement in _sqlite_triggers(day):
        op.execute(statement)


def upgrade() -> None:
    # Plain ADD COLUMN (kommune has one row and no triggers; no batch copy needed).
    op.add_column('kommune', sa.Column('timezone', sa.String(64), nullable=False,
                                       server_default=ZONE_BEFORE))
    op.add_column('kommune', sa.Column('holiday_region', sa.String(16), nullable=False,
                                       server_default=HOLIDAYS_BEFORE))
    with op.batch_alter_table('appointment_schedules') as batch:
        batch.drop_column('public_holidays')
        batch.drop_column('timezone')
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("""
CREATE FUNCTION kommune_local_date(moment timestamptz) RETURNS date AS $$
  SELECT (moment AT TIME ZONE coalesce((SELECT timezone FROM kommune WHERE id = 1),
                                       '""" + ZONE_BEFORE + """'))::date
$$ LANGUAGE sql STABLE;""")
        op.execute(_pg_function(pg_kommune_local_date))
        return
    op.create_table('local_zone_offsets',
                    sa.Column('starts_at', sa.String(19), primary_key=True),
                    sa.Column('minutes', sa.Integer(), nullable=False))
    zone = bind.execute(sa.text("SELECT timezone FROM kommune WHERE id = 1")).scalar()
    write_zone_offsets(bind, zone or ZONE_BEFORE)
    _sqlite_switch(sqlite_kommune_local_date)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_pg_function(pg_local_date))
        op.execute("DROP FUNCTION kommune_local_date(timestamptz)")
    else:
        _sqlite_switch(sqlite_local_date)
        op.drop_table('local_zone_offsets')
    with op.batch_alter_table('appointment_schedules') as batch:
        batch.add_column(sa.Column('public_holidays', sa.String(16), nullable=True,
                                   server_default=HOLIDAYS_BEFORE))
        batch.add_column(sa.Column('timezone', sa.String(64), nullable=False,
                                   server_default=ZONE_BEFORE))
    op.drop_column('kommune', 'holiday_region')
    op.drop_column('kommune', 'timezone')
