"""The Kommune's local time: the zone of the Kommune in the domain catalogue (``timezone``,
``domain.Kommune``), wherever the code turns a moment into a day or a clock time (receipt
day, the end of a deadline's day, dates in letters, the dashboard's days).

:data:`LOCAL_ZONE` is a tzinfo that is always that zone: it asks the loaded catalogue (a cached
read, checked for changes every few seconds), so a module keeps one name and the catalogue
decides what it means. The same days inside SQL, for the steering triggers: ``store.zonesql``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from store.catalogue import current_catalogue

# Migration 0022 imports its SQL from here (where it was written then).
from store.zonesql import pg_local_date, sqlite_local_date  # noqa: F401


def kommune_zone() -> ZoneInfo:
    """The Kommune's zone as the current catalogue names it (ZoneInfo keeps one per name)."""
    return ZoneInfo(current_catalogue().kommune.timezone)


class KommuneZone(tzinfo):
    """The Kommune's zone, looked up at each use."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return kommune_zone().utcoffset(dt)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return kommune_zone().dst(dt)

    def tzname(self, dt: datetime | None) -> str | None:
        return kommune_zone().tzname(dt)

    def fromutc(self, dt: datetime) -> datetime:
        zone = kommune_zone()
        return zone.fromutc(dt.replace(tzinfo=zone)).replace(tzinfo=self)

    def __repr__(self) -> str:
        return "KommuneZone()"


LOCAL_ZONE = KommuneZone()


def local_date(moment: datetime) -> date:
    return moment.astimezone(kommune_zone()).date()
