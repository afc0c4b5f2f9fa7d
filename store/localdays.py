"""The Kommune's calendar day of a UTC time, in Python and inside SQL (for triggers).

The dashboard counts per local day: an e-mail at 0:30 on a Tuesday in Oldenburg belongs to
Tuesday, although it is still Monday in UTC (22:30 in summer, 23:30 in winter). PostgreSQL knows the zone database (``AT TIME ZONE``). SQLite knows no
zones, so its expression applies the EU rule that Germany follows since 1996: summer time
(UTC+2) from the last Sunday of March, 01:00 UTC, to the last Sunday of October, 01:00 UTC;
UTC+1 otherwise. ``tests/test_steering_days.py`` checks it against zoneinfo hour by hour.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

ZONE_NAME = "Europe/Berlin"
LOCAL_ZONE = ZoneInfo(ZONE_NAME)


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL_ZONE).date()


def pg_local_date(expr: str) -> str:
    """SQL (PostgreSQL) for the local date of the timestamptz ``expr``."""
    return f"(({expr}) AT TIME ZONE '{ZONE_NAME}')::date"


def sqlite_local_date(expr: str) -> str:
    """SQL (SQLite) for the local date of ``expr``, a UTC time as SQLAlchemy stores it
    ('YYYY-MM-DD HH:MM:SS[.ffffff]') or as ``datetime('now')`` returns it."""
    switch = "datetime(date(substr({t}, 1, 4) || '-{month}-25', 'weekday 0'), '+1 hours')"
    spring, autumn = switch.format(t=expr, month="03"), switch.format(t=expr, month="10")
    return (f"date({expr}, CASE WHEN {expr} >= {spring} AND {expr} < {autumn} "
            f"THEN '+2 hours' ELSE '+1 hours' END)")
