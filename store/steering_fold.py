"""Fold the slots of past days of ``steering_daily`` into one row per key.

On PostgreSQL the triggers spread each day's figures over 8 slots (by backend pid), so that
concurrent writers do not queue on one hot row (migration 0018, as ``item_counts``). Once a
day is over, nobody needs that any more, but a dashboard reading a year would read eight
times the rows. ``fold`` moves the figures of every slot of a day older than yesterday
into slot 0 in one statement (delete and add in one transaction: no figure lost or counted
twice); the sweeper runs it once an hour. Late writers (a letter received days ago and
scanned only now) simply open a slot again, which the next fold takes in.

What it moves into slot 0 it adds to the day's month in ``steering_monthly`` in the same
statement (migration 0029; the triggers write slots 1–8), so a month's folded figures are one
row per key there, and a year by month reads a few hundred rows instead of ~25,000.

SQLite writes only slot 0: nothing to do there; triggers keep its monthly rows
(store.sqlite_steering).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

_LOCK_KEY = 0x7374_6672  # "stfr": one fold at a time
_FOLD = text("""
WITH moved AS (
    DELETE FROM steering_daily WHERE slot <> 0 AND day < :before
    RETURNING day, metric, queue, channel, n, total),
added AS (
    INSERT INTO steering_daily AS c (day, metric, queue, channel, slot, n, total)
    SELECT day, metric, queue, channel, 0, sum(n), sum(total) FROM moved
    GROUP BY day, metric, queue, channel ORDER BY day, metric, queue, channel
    ON CONFLICT (day, metric, queue, channel, slot)
    DO UPDATE SET n = c.n + excluded.n, total = c.total + excluded.total),
monthly AS (
    INSERT INTO steering_monthly AS m (month, metric, queue, channel, n, total)
    SELECT date_trunc('month', day::timestamp)::date, metric, queue, channel, sum(n), sum(total)
    FROM moved GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
    ON CONFLICT (month, metric, queue, channel)
    DO UPDATE SET n = m.n + excluded.n, total = m.total + excluded.total)
SELECT count(*) FROM moved
""")


def fold(session: Session, today: date) -> int:
    """Fold the days before yesterday (the Kommune's ``today``); returns the rows folded away.
    Gives way to writers: a lock it would wait for more than a moment ends it (the next
    run folds what is left), so an intake transaction is never held up or aborted for it."""
    if session.get_bind().dialect.name != "postgresql":
        return 0
    if not session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}).scalar():
        return 0
    session.execute(text("SET LOCAL lock_timeout = '200ms'"))
    return int(session.execute(_FOLD, {"before": today - timedelta(days=1)}).scalar() or 0)
