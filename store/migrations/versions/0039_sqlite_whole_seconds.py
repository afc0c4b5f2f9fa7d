"""embedded SQLite: the due moment and the steering day from the receipt's whole seconds

SQLite's date functions keep a time to the millisecond and round the rest: a receipt at
``04:01:36.999867`` became ``04:01:37`` inside ``strftime``, and 0027's trigger then appended
the original fraction again, so the stored due moment was one second late for about one item
in 2,000 (found by a test that failed in CI once). The steering triggers' local day (0028)
had the same rounding: a receipt in the last half millisecond before the Kommune's midnight
counted on the next day. Both now read the receipt's first 19 characters, its whole seconds,
which round nothing; the due moment keeps the fraction as before, exactly as on PostgreSQL.
The due moments already stored are recomputed where they differ. PostgreSQL computes with
exact intervals and dates and is not touched.

Revision ID: 0039_sqlite_whole_seconds
Revises: 0038_search_not_urgent_months
"""
import importlib.util
from pathlib import Path

from alembic import op

from store.zonesql import sqlite_kommune_local_date

revision = '0039_sqlite_whole_seconds'
down_revision = '0038_search_not_urgent_months'
branch_labels = None
depends_on = None


def _migration(name: str):  # type: ignore[no-untyped-def]
    """An earlier migration of this directory as a module, to rebuild its triggers with its own
    code (the directory is not a package)."""
    spec = importlib.util.spec_from_file_location(f"_migration_{name}", Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _due(due, row: str) -> str:  # type: ignore[no-untyped-def]
    """0027's due moment (``due``: that migration) computed from the receipt's whole seconds."""
    return (f"CASE WHEN {due.RUNNING.format(row=row)} THEN strftime('%Y-%m-%d %H:%M:%S', "
            f"substr({row}received_at, 1, 19), '+' || {due._seconds(row)} || ' seconds') "
            f"|| substr({row}received_at, 20) END")


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    due = _migration('0027_item_due_at')
    new, stored = _due(due, 'NEW.'), _due(due, 'items.')
    for name in ("insert", "update"):
        op.execute(f"DROP TRIGGER items_due_{name}")
    op.execute("CREATE TRIGGER items_due_insert AFTER INSERT ON items BEGIN "
               f"UPDATE items SET due_at = {new} WHERE id = NEW.id; END;")
    op.execute("CREATE TRIGGER items_due_update AFTER UPDATE OF received_at, queue, status, first_action_at "
               f"ON items BEGIN UPDATE items SET due_at = {new} WHERE id = NEW.id; END;")
    op.execute(f"UPDATE items SET due_at = {stored} WHERE due_at IS NOT {stored}")
    # store.zonesql's local day now takes the whole seconds; 0028's triggers rebuilt with it.
    _migration('0028_kommune_zone_holidays')._sqlite_switch(sqlite_kommune_local_date)


def downgrade() -> None:
    pass  # a correction: the one-second and one-day errors are not brought back
