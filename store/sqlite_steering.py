"""The dashboard's monthly rows on embedded SQLite, kept by triggers on ``steering_daily``.

PostgreSQL spreads each day's figures over slots for concurrent writers and its sweeper folds
them into slot 0 and into ``steering_monthly`` (store.steering_fold). SQLite has one writer:
nothing to spread, nothing to fold. Here triggers on ``steering_daily`` add every change of a
daily row (insert, the items' triggers' upserts, an update or delete by hand) to its month's
row in the same transaction (migration 0036), so that always

    steering_monthly = the sum of that month's rows of steering_daily

and services.steering reads a whole month as one row, as PostgreSQL reads a folded month.
A daily row's key does not change in practice (the items' triggers only add to n and total);
if SQL by hand changes one, its figures move from the old month to the new one.
"""

from __future__ import annotations

TRIGGERS = ("steering_daily_month_insert", "steering_daily_month_update",
            "steering_daily_month_rekey", "steering_daily_month_delete")

_MONTH_OF = "date({row}.day, 'start of month')"
_SAME_KEY = ("NEW.day = OLD.day AND NEW.metric = OLD.metric AND NEW.queue = OLD.queue "
             "AND NEW.channel = OLD.channel")


def _add(row: str) -> str:
    """Add the daily row ``row`` (NEW or OLD) to its month."""
    return ("INSERT INTO steering_monthly (month, metric, queue, channel, n, total) "
            f"VALUES ({_MONTH_OF.format(row=row)}, {row}.metric, {row}.queue, {row}.channel, {row}.n, {row}.total) "
            "ON CONFLICT (month, metric, queue, channel) "
            "DO UPDATE SET n = n + excluded.n, total = total + excluded.total;")


def _key(row: str) -> str:
    return (f"month = {_MONTH_OF.format(row=row)} AND metric = {row}.metric AND queue = {row}.queue "
            f"AND channel = {row}.channel")


def _take(row: str) -> str:
    """Take the daily row ``row`` off its month (a month left with no item goes)."""
    return (f"UPDATE steering_monthly SET n = n - {row}.n, total = total - {row}.total WHERE {_key(row)}; "
            f"DELETE FROM steering_monthly WHERE {_key(row)} AND n = 0;")


def trigger_sql() -> list[str]:
    """The triggers (SQLite). The usual change is an upsert adding to a daily row: one UPDATE
    of the month by the difference."""
    return [
        f"CREATE TRIGGER steering_daily_month_insert AFTER INSERT ON steering_daily BEGIN {_add('NEW')} END",
        "CREATE TRIGGER steering_daily_month_update AFTER UPDATE OF n, total ON steering_daily "
        f"WHEN {_SAME_KEY} BEGIN "
        "UPDATE steering_monthly SET n = n + (NEW.n - OLD.n), total = total + (NEW.total - OLD.total) "
        f"WHERE {_key('NEW')}; END",
        f"CREATE TRIGGER steering_daily_month_rekey AFTER UPDATE ON steering_daily WHEN NOT ({_SAME_KEY}) "
        f"BEGIN {_take('OLD')} {_add('NEW')} END",
        f"CREATE TRIGGER steering_daily_month_delete AFTER DELETE ON steering_daily BEGIN {_take('OLD')} END",
    ]


def fill_sql() -> list[str]:
    """The monthly rows computed from the daily rows (migration 0036, bench/sqlite_copy.py)."""
    return ["DELETE FROM steering_monthly",
            "INSERT INTO steering_monthly (month, metric, queue, channel, n, total) "
            "SELECT date(day, 'start of month'), metric, queue, channel, sum(n), sum(total) "
            "FROM steering_daily GROUP BY 1, 2, 3, 4"]
