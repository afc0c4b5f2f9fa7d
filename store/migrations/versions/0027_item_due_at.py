"""a stored due moment per item (items.due_at), kept by a trigger from response_targets

The inbox's sort "knappste Zielzeit zuerst" and its filters "überschritten" / "fällig in 24
Std." computed receipt + the office's target for every open item (one query per office, merged:
98/152 ms p50/p95 at 200,000 items). The moment is now stored: a trigger sets ``due_at`` on
every insert and on every change of receipt time, office, status or first action (whoever
makes it: pipeline, staff, merges, the mailroom's corrected stamp, SQL by hand), from the
targets in ``response_targets``, which store.response_due keeps equal to the catalogue and the
house default (and re-times the items of an office whose target changed). A partial index over
the running clocks serves the sort and the filters.

Beware (as 0008): on SQLite ``op.batch_alter_table('items')`` would drop these triggers.

Revision ID: 0027_item_due_at
Revises: 0026_item_resubmission
"""
from alembic import op
import sqlalchemy as sa

from store.models import UTCDateTime

revision = '0027_item_due_at'
down_revision = '0026_item_resubmission'
branch_labels = None
depends_on = None

# Only if response_targets is empty (never synced): the house default's own default, 48 hours.
FALLBACK_SECONDS = 48 * 3600
RUNNING = "{row}first_action_at IS NULL AND {row}status <> 'done'"  # admin.response_clock.running


def _seconds(row: str) -> str:
    return (f"coalesce((SELECT seconds FROM response_targets WHERE queue = {row}queue), "
            f"(SELECT seconds FROM response_targets WHERE queue = ''), {FALLBACK_SECONDS})")


_PG_TRIGGER = f"""
CREATE FUNCTION items_due_at() RETURNS trigger AS $$
BEGIN
  IF {RUNNING.format(row='NEW.')} THEN
    NEW.due_at := NEW.received_at + make_interval(secs => {_seconds('NEW.')});
  ELSE
    NEW.due_at := NULL;
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER items_due_at BEFORE INSERT OR UPDATE OF received_at, queue, status, first_action_at
  ON items FOR EACH ROW EXECUTE FUNCTION items_due_at();
"""


def _sqlite_due(row: str) -> str:
    # SQLAlchemy keeps 'YYYY-MM-DD HH:MM:SS.ffffff'; strftime drops the fraction, so it is
    # appended again: the stored moment is exact to the microsecond, as on PostgreSQL.
    return (f"CASE WHEN {RUNNING.format(row=row)} THEN strftime('%Y-%m-%d %H:%M:%S', {row}received_at, "
            f"'+' || {_seconds(row)} || ' seconds') || substr({row}received_at, 20) END")


_SQLITE_TRIGGERS = [
    f"CREATE TRIGGER items_due_insert AFTER INSERT ON items BEGIN "
    f"UPDATE items SET due_at = {_sqlite_due('NEW.')} WHERE id = NEW.id; END;",
    f"CREATE TRIGGER items_due_update AFTER UPDATE OF received_at, queue, status, first_action_at "
    f"ON items BEGIN UPDATE items SET due_at = {_sqlite_due('NEW.')} WHERE id = NEW.id; END;",
]


def upgrade() -> None:
    from store.settings import get_settings

    op.create_table(
        'response_targets',
        sa.Column('queue', sa.String(32), primary_key=True),
        sa.Column('seconds', sa.Integer(), nullable=False),
    )
    # Plain ADD COLUMN, no batch: on SQLite a batch copy of ``items`` would drop its triggers.
    op.add_column('items', sa.Column('due_at', UTCDateTime(), nullable=True))
    # The targets as the catalogue has them now (store.response_due re-checks at every start).
    op.execute("INSERT INTO response_targets (queue, seconds) SELECT key, "
               "CAST(round(response_target_hours * 3600) AS INTEGER) FROM queues "
               "WHERE response_target_hours > 0")
    default = int(round(get_settings().default_response_target_hours * 3600))
    op.execute(f"INSERT INTO response_targets (queue, seconds) VALUES ('', {default})")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"UPDATE items SET due_at = received_at + make_interval(secs => {_seconds('items.')}) "
                   f"WHERE {RUNNING.format(row='')}")
        op.execute(_PG_TRIGGER)
    else:
        op.execute(f"UPDATE items SET due_at = {_sqlite_due('items.')} WHERE {RUNNING.format(row='')}")
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    where = sa.text("due_at IS NOT NULL")
    op.create_index('ix_items_due', 'items', ['due_at', 'id'], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_index('ix_items_due', 'items')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER items_due_at ON items; DROP FUNCTION items_due_at()")
    else:
        for name in ("insert", "update"):
            op.execute(f"DROP TRIGGER items_due_{name}")
    op.drop_column('items', 'due_at')
    op.drop_table('response_targets')
