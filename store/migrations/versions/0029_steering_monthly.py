"""steering_monthly: the dashboard's folded figures per month as well (PostgreSQL)

A year by month summed ~25,000 daily rows per request (85–100 ms at 1,000,000 items, most of
it hashing them into months). The fold (store.steering_fold) now adds every figure it moves
into a past day's slot 0 to that day's month in ``steering_monthly`` too, in the same
statement: slot 0 holds folded figures only, so for every month

    steering_monthly = the sum of that month's slot-0 rows of steering_daily

and a month is its monthly row plus its daily rows not folded yet (slot <> 0: today,
yesterday, late writers), read through ix_steering_daily_slots. For that the triggers now
write slots 1–8 instead of 0–7 (slot 0 is the fold's alone). Here the table is filled from the
slot-0 rows as they are, which makes the equation true from the start.

SQLite has one writer, writes slot 0 and never folds: its dashboard sums the daily rows
(services.steering); the table stays empty there.

Revision ID: 0029_steering_monthly
Revises: 0028_kommune_zone_holidays
"""
from alembic import op
import sqlalchemy as sa

revision = '0029_steering_monthly'
down_revision = '0028_kommune_zone_holidays'
branch_labels = None
depends_on = None

_OLD, _NEW = "pg_backend_pid() % 8;", "1 + pg_backend_pid() % 8;"  # steering_track's slot (0022)


def _replace_slots(old: str, new: str) -> None:
    bind = op.get_bind()
    definition = bind.exec_driver_sql("SELECT pg_get_functiondef('steering_track'::regproc)").scalar()
    if old not in definition:
        raise RuntimeError(f"steering_track() does not compute its slot as expected ({old!r})")
    bind.exec_driver_sql(definition.replace(old, new).replace("%", "%%"))


def upgrade() -> None:
    op.create_table(
        'steering_monthly',
        sa.Column('month', sa.Date(), primary_key=True),
        sa.Column('metric', sa.String(24), primary_key=True),
        sa.Column('queue', sa.String(32), primary_key=True),
        sa.Column('channel', sa.String(16), primary_key=True),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.Column('total', sa.Float(), nullable=False),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    # In one transaction with the table: writers wait for the function, so no figure is
    # written to slot 0 after the sums below were taken.
    op.execute("LOCK TABLE steering_daily IN SHARE ROW EXCLUSIVE MODE")
    _replace_slots(_OLD, _NEW)
    op.execute("""
        INSERT INTO steering_monthly (month, metric, queue, channel, n, total)
        SELECT date_trunc('month', day::timestamp)::date, metric, queue, channel, sum(n), sum(total)
        FROM steering_daily WHERE slot = 0 GROUP BY 1, 2, 3, 4""")
    op.execute("ANALYZE steering_monthly")  # planned as the few rows it has, not as an empty table


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace_slots(_NEW, _OLD)
        # Slot 8 does not exist before: its figures go to slot 0, as the fold would move them.
        op.execute("""
            WITH moved AS (DELETE FROM steering_daily WHERE slot = 8
                           RETURNING day, metric, queue, channel, n, total)
            INSERT INTO steering_daily AS c (day, metric, queue, channel, slot, n, total)
            SELECT day, metric, queue, channel, 0, n, total FROM moved
            ON CONFLICT (day, metric, queue, channel, slot)
            DO UPDATE SET n = c.n + excluded.n, total = c.total + excluded.total""")
    op.drop_table('steering_monthly')
