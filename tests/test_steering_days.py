"""The dashboard's days are the Kommune's days (its zone in the catalogue: Europe/Berlin for the
demo Kommune), not UTC days: an item received shortly after local midnight counts on the new
day, in summer and in winter, on both sides of the clock changes, and weeks, months and years
are cut at local midnight too. A Kommune in another zone gets that zone's days."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine

from store.blobs import blob_store
from store.localdays import sqlite_local_date
from store.settings import get_settings
from store.zonesql import sqlite_kommune_local_date, write_zone_offsets

BERLIN = ZoneInfo("Europe/Berlin")


def _receive(at: datetime, channel: str = "email") -> None:
    from store.db import session_scope
    from store.enums import Channel
    from store.intake import Incoming, store_incoming

    incoming = Incoming(channel=Channel(channel), content=b"Subject: Antrag\n\nAntrag", media_type="message/rfc822",
                        received_at=at, sender="buerger@example.org", subject="Antrag")
    with session_scope(get_settings()) as session:
        store_incoming(session, incoming, blob_store(get_settings()))


def _inflow(settings, unit: str, von: str, bis: str) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    from services import steering
    from store.db import session_scope

    with session_scope(get_settings()) as session:
        board = steering.dashboard(session, settings, steering.Period.parse(unit, von, bis, date(2027, 6, 1)),
                                   None, datetime(2027, 6, 1, tzinfo=UTC))
    return [(label, sum(per.values())) for label, per in board.inflow]


def test_items_count_on_the_local_day(store_backend):
    settings = store_backend
    utc = [
        datetime(2026, 1, 14, 22, 59), datetime(2026, 1, 14, 23, 1),    # 23:59 / 0:01 local (winter, UTC+1)
        datetime(2026, 7, 14, 21, 59), datetime(2026, 7, 14, 22, 1),    # 23:59 / 0:01 local (summer, UTC+2)
        datetime(2026, 3, 28, 23, 30),                                   # 0:30 on the day clocks go forward
        datetime(2026, 10, 24, 22, 30), datetime(2026, 10, 25, 22, 30),  # 0:30 and 23:30 on the day they go back
        datetime(2026, 1, 31, 23, 30),                                   # 0:30 on 1 February
        datetime(2026, 12, 31, 23, 30),                                  # 0:30 on New Year's Day 2027
    ]
    for at in utc:
        _receive(at.replace(tzinfo=UTC))

    days = dict(_inflow(settings, "tag", "2026-01-14", "2026-01-15"))
    assert days == {"14.01.": 1, "15.01.": 1}
    assert dict(_inflow(settings, "tag", "2026-07-14", "2026-07-15")) == {"14.07.": 1, "15.07.": 1}
    assert dict(_inflow(settings, "tag", "2026-03-28", "2026-03-29")) == {"28.03.": 0, "29.03.": 1}
    assert dict(_inflow(settings, "tag", "2026-10-24", "2026-10-26")) == {"24.10.": 0, "25.10.": 2, "26.10.": 0}
    # Weeks start on Monday 0:00 local: Sunday 22:30 UTC in October is still Sunday 23:30 local.
    weeks = dict(_inflow(settings, "woche", "2026-10-19", "2026-10-26"))
    assert weeks == {"KW 43/2026": 2, "KW 44/2026": 0}
    months = dict(_inflow(settings, "monat", "2026-01-01", "2026-02-28"))
    assert months == {"01/2026": 2, "02/2026": 1}
    assert dict(_inflow(settings, "jahr", "2026-01-01", "2027-12-31")) == {"2026": 8, "2027": 1}


def test_sqlite_local_date_follows_the_zone_database():
    # Every quarter hour of 2024-2031 and the seconds around each clock change.
    moments = []
    t = datetime(2024, 1, 1)
    while t < datetime(2032, 1, 1):
        moments.append(t)
        t += timedelta(minutes=15)
    for year in range(2024, 2032):
        for month in (3, 10):
            last_sunday = max(date(year, month, d) for d in range(25, 32) if date(year, month, d).weekday() == 6)
            switch = datetime(last_sunday.year, month, last_sunday.day, 1)
            moments += [switch - timedelta(seconds=1), switch, switch + timedelta(seconds=1)]
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (at TEXT)")
    db.executemany("INSERT INTO t VALUES (?)", [(m.strftime("%Y-%m-%d %H:%M:%S.%f"),) for m in moments])
    got = [row[0] for row in db.execute(f"SELECT {sqlite_local_date('at')} FROM t ORDER BY rowid")]
    want = [m.replace(tzinfo=UTC).astimezone(BERLIN).date().isoformat() for m in moments]
    wrong = [(m, g, w) for m, g, w in zip(moments, got, want, strict=True) if g != w]
    assert not wrong, wrong[:5]
    # datetime('now') has no fraction of a second: the same rule applies.
    now = db.execute(f"SELECT {sqlite_local_date(chr(39) + '2026-03-29 01:00:00' + chr(39))}").fetchone()[0]
    assert now == "2026-03-29"


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_sqlite_offsets_table_follows_the_zone_database(zone, tmp_path):
    # Given the offsets table of migration 0028 filled for the zone
    engine = create_engine(f"sqlite:///{tmp_path / 'z.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE local_zone_offsets (starts_at VARCHAR(19) PRIMARY KEY, "
                                   "minutes INTEGER NOT NULL)")
        connection.exec_driver_sql("CREATE TABLE t (at TEXT)")
        write_zone_offsets(connection, zone)
        # When every quarter hour of three years is turned into a local day in SQL
        moments = [datetime(2025, 1, 1) + timedelta(minutes=15 * n) for n in range(4 * 24 * 365 * 3)]
        # and the last fraction of a second before each quarter hour of a month (SQLite's date()
        # rounds to the millisecond: 23:59:59.9996 must stay on its day)
        moments += [datetime(2025, 1, 1) + timedelta(minutes=15 * n, microseconds=-400) for n in range(1, 4 * 24 * 31)]
        connection.exec_driver_sql("INSERT INTO t VALUES (?)",
                                   [(m.strftime("%Y-%m-%d %H:%M:%S.%f"),) for m in moments])
        got = [row[0] for row in connection.exec_driver_sql(
            f"SELECT {sqlite_kommune_local_date('at')} FROM t ORDER BY rowid")]
    engine.dispose()
    # Then it is the zone database's day
    want = [m.replace(tzinfo=UTC).astimezone(ZoneInfo(zone)).date().isoformat() for m in moments]
    wrong = [(m, g, w) for m, g, w in zip(moments, got, want, strict=True) if g != w]
    assert not wrong, wrong[:5]


def test_a_kommune_in_another_zone_counts_its_own_days(store_backend):
    from store.catalogue import change_kommune
    from store.db import session_scope

    settings = store_backend
    # Given a Kommune whose zone is New York's (UTC-5 in winter, UTC-4 in summer)
    with session_scope(get_settings()) as session:
        change_kommune(session, {"timezone": "America/New_York"}, "test", settings=get_settings())
    # When items arrive at 3:30 UTC (the evening before, locally) and at 5:30 UTC (just after midnight)
    _receive(datetime(2026, 1, 15, 3, 30, tzinfo=UTC))
    _receive(datetime(2026, 1, 15, 5, 30, tzinfo=UTC))
    _receive(datetime(2026, 7, 15, 3, 30, tzinfo=UTC))  # summer: 23:30 on the 14th
    _receive(datetime(2026, 7, 15, 4, 30, tzinfo=UTC))  # 0:30 on the 15th
    # Then the dashboard counts them on New York's days
    assert dict(_inflow(settings, "tag", "2026-01-14", "2026-01-15")) == {"14.01.": 1, "15.01.": 1}
    assert dict(_inflow(settings, "tag", "2026-07-14", "2026-07-15")) == {"14.07.": 1, "15.07.": 1}
