"""embedded SQLite: steering_monthly kept by triggers on steering_daily

SQLite's dashboard summed its daily rows for every period (3 years by year ~50,000 rows at
1,000,000 items, 160-230 ms). PostgreSQL reads whole months from ``steering_monthly``, which its
fold fills (0029); SQLite has one writer, so it needs neither slots nor a fold: triggers on
``steering_daily`` add every change of a daily row to its month's row in the same transaction,
whoever makes it (the items' triggers, a repair, SQL by hand), so that on SQLite always

    steering_monthly = the sum of that month's rows of steering_daily

and a month is its one monthly row (services.steering). The table is filled here from the daily
rows as they are, which makes the equation true from the start. PostgreSQL: nothing changes.

Revision ID: 0036_sqlite_steering_monthly
Revises: 0035_item_identifiers
"""
from alembic import op

from store import sqlite_steering

revision = '0036_sqlite_steering_monthly'
down_revision = '0035_item_identifiers'
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for statement in (*sqlite_steering.trigger_sql(), *sqlite_steering.fill_sql()):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != 'sqlite':
        return
    for trigger in sqlite_steering.TRIGGERS:
        op.execute(f"DROP TRIGGER {trigger}")
    op.execute("DELETE FROM steering_monthly")  # empty on SQLite before, as 0029 left it
