"""The Kommune's local day inside SQL, for the steering triggers (migrations 0022 and 0028).

PostgreSQL knows the zone database: ``kommune_local_date()`` (migration 0028) takes the zone
from the ``kommune`` row. SQLite knows no zones: its triggers look the offset up in the table
``local_zone_offsets``, the Kommune's zone as UTC offsets from a moment on, written by
:func:`write_zone_offsets` whenever the zone is set (catalogue import, a change of the Kommune).
``tests/test_steering_days.py`` checks both against zoneinfo hour by hour.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text


def pg_kommune_local_date(expr: str) -> str:
    """SQL (PostgreSQL) for the Kommune's local date of the timestamptz ``expr``."""
    return f"kommune_local_date({expr})"


def sqlite_kommune_local_date(expr: str) -> str:
    """SQL (SQLite) for the Kommune's local date of ``expr``, a UTC time as SQLAlchemy stores it
    ('YYYY-MM-DD HH:MM:SS[.ffffff]') or as ``datetime('now')`` returns it: shifted by the offset
    in force then (``local_zone_offsets``; UTC if the table were empty)."""
    offset = (f"(SELECT minutes FROM local_zone_offsets WHERE starts_at <= {expr} "
              "ORDER BY starts_at DESC LIMIT 1)")
    # Whole seconds: SQLite's date() rounds to the millisecond, so 23:59:59.9996 would be the
    # next day's 0:00 (migration 0039).
    return f"date(substr({expr}, 1, 19), coalesce({offset}, 0) || ' minutes')"


FIRST_YEAR, LAST_YEAR = 2000, 2100
_STEP = timedelta(days=7)  # no zone has changed its offset twice within a week since 2000


@lru_cache(maxsize=4)
def zone_offsets(name: str) -> tuple[tuple[str, int], ...]:
    """(UTC moment 'YYYY-MM-DD HH:MM:SS', offset in minutes from then on) for the zone: the
    offset of ``FIRST_YEAR`` from the beginning of time, then every change up to ``LAST_YEAR``
    (looked for week by week, then to the minute: zones change at whole minutes)."""
    zone = ZoneInfo(name)

    def minutes(moment: datetime) -> int:
        offset = moment.astimezone(zone).utcoffset()
        return int(offset.total_seconds() // 60) if offset else 0

    moment = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
    current = minutes(moment)
    out = [("0001-01-01 00:00:00", current)]
    end = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)
    while moment < end:
        following = moment + _STEP
        if minutes(following) != current:
            low, high = moment, following  # offset(low) == current != offset(high)
            while high - low > timedelta(minutes=1):
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + timedelta(minutes=1)
                if minutes(middle) == current:
                    low = middle
                else:
                    high = middle
            current = minutes(high)
            out.append((high.strftime("%Y-%m-%d %H:%M:%S"), current))
        moment = following
    return tuple(out)


def write_zone_offsets(connection: Connection, name: str) -> None:
    """Fill ``local_zone_offsets`` (SQLite) with the zone ``name``; PostgreSQL reads the zone
    itself and keeps no such table."""
    if connection.dialect.name != "sqlite":
        return
    connection.execute(text("DELETE FROM local_zone_offsets"))
    connection.execute(text("INSERT INTO local_zone_offsets (starts_at, minutes) VALUES (:s, :m)"),
                       [{"s": s, "m": m} for s, m in zone_offsets(name)])


# --- as migration 0022 wrote them (Europe/Berlin baked in; 0028 replaced them) -------------------

_ZONE_0022 = "Europe/Berlin"


def pg_local_date(expr: str) -> str:
    """Migration 0022's SQL (PostgreSQL): the date in Europe/Berlin. Kept for that migration."""
    return f"(({expr}) AT TIME ZONE '{_ZONE_0022}')::date"


def sqlite_local_date(expr: str) -> str:
    """Migration 0022's SQL (SQLite): the EU summer-time rule with UTC+1/+2, i.e. Europe/Berlin
    since 1996. Kept for that migration (and its downgrade path)."""
    switch = "datetime(date(substr({t}, 1, 4) || '-{month}-25', 'weekday 0'), '+1 hours')"
    spring, autumn = switch.format(t=expr, month="03"), switch.format(t=expr, month="10")
    return (f"date({expr}, CASE WHEN {expr} >= {spring} AND {expr} < {autumn} "
            f"THEN '+2 hours' ELSE '+1 hours' END)")
