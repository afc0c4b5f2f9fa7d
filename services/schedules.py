"""Appointment schedules per queue: opening hours as staff write them, and as text."""

from __future__ import annotations

import re

from store.settings import Settings

WEEKDAYS = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


class ScheduleError(ValueError):
    """An opening-hours line that cannot be read; the message says how to write it."""


def parse_hours(specs: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """``mo=08:30-12:00,14:00-16:00`` (one line per weekday) → schedule hours."""
    hours: dict[str, list[list[str]]] = {}
    for spec in specs:
        day, _, windows = spec.partition("=")
        if day.strip().lower()[:2] not in WEEKDAYS:
            raise ScheduleError(f"„{spec}“: Wochentag als mo, di, mi, do, fr, sa, so angeben")
        out = []
        for window in windows.split(","):
            window = window.strip()
            if not _WINDOW.match(window) or window[:5] >= window[6:]:
                raise ScheduleError(f"„{window}“: Zeitfenster als 08:30-12:00 angeben")
            out.append([window[:5], window[6:]])
        hours[str(WEEKDAYS[day.strip().lower()[:2]])] = out
    return hours


def hours_lines(hours: dict[str, list[list[str]]] | None) -> str:
    """The schedule's hours in the form :func:`parse_hours` reads, one weekday per line."""
    names = {v: k for k, v in WEEKDAYS.items()}
    return "\n".join(f"{names[int(d)]}=" + ",".join(f"{a}-{b}" for a, b in w)
                     for d, w in sorted((hours or {}).items()))


def describe(schedule, kommune) -> str:  # type: ignore[no-untyped-def]
    """The schedule as text; public holidays and local time are the Kommune's."""
    names = {v: k for k, v in WEEKDAYS.items()}
    lines = [f"Warteschlange {schedule.queue}: {schedule.slot_minutes} Minuten, {schedule.capacity} Person(en) je Termin"]
    for day, windows in sorted((schedule.hours or {}).items()):
        lines.append(f"  {names[int(day)]}: " + ", ".join(f"{a}–{b}" for a, b in windows))
    lines.append(f"  Feiertage: {kommune.holiday_region} (der Kommune); "
                 f"Schließtage: {', '.join(schedule.holidays or []) or 'keine'}")
    if schedule.location:
        lines.append(f"  Ort: {schedule.location}")
    return "\n".join(lines)


def change_schedule(settings: Settings, queue: str, actor: str, *, hours: dict[str, list[list[str]]] | None = None,
                    minutes: int | None = None, capacity: int | None = None,
                    closed: list[str] | None = None, also_closed: list[str] | None = None,
                    location: str | None = None, lead_hours: int | None = None):  # type: ignore[no-untyped-def]
    """Create or change the appointment schedule of an active office; what is None stays.

    ``closed`` replaces the closing days, ``also_closed`` adds to them. Audited, and the
    catalogue's revision is raised (the schedule is part of the office). Raises ScheduleError
    with a German message. Returns the schedule as saved (detached).
    """
    from datetime import date

    from store.appointments import DEFAULT_HOURS, schedule_for
    from store.catalogue import bump, current_catalogue
    from store.db import session_scope
    from store.events import record

    for day in [*(closed or []), *(also_closed or [])]:
        try:
            date.fromisoformat(day)
        except ValueError as exc:
            raise ScheduleError(f"„{day}“ ist kein Datum (JJJJ-MM-TT)") from exc
    if not ((minutes is None or 5 <= minutes <= 480) and (capacity is None or 1 <= capacity <= 100)
            and (lead_hours is None or 0 <= lead_hours <= 720)):
        raise ScheduleError("Dauer 5–480 Minuten, Kapazität 1–100, Vorlauf 0–720 Stunden.")
    with session_scope(settings) as session:
        if queue not in {o.key for o in current_catalogue(session, settings).active_offices}:
            raise ScheduleError("Unbekannte Zuständigkeit.")
        schedule = schedule_for(session, queue)
        if schedule not in session:
            schedule.hours = dict(DEFAULT_HOURS)
            session.add(schedule)
        if hours is not None:
            schedule.hours = hours
        if minutes is not None:
            schedule.slot_minutes = minutes
        if capacity is not None:
            schedule.capacity = capacity
        if closed is not None:
            schedule.holidays = sorted(set(closed))
        if also_closed:
            schedule.holidays = sorted(set(schedule.holidays or []) | set(also_closed))
        if location is not None:
            schedule.location = location.strip() or None
        if lead_hours is not None:
            schedule.min_lead_hours = lead_hours
        record(session, None, actor, "schedule_changed", f"Terminplan {queue} geändert",
               queue=queue, hours=schedule.hours, minutes=schedule.slot_minutes,
               capacity=schedule.capacity, closed=schedule.holidays)
        bump(session, actor)
        session.flush()
        session.expunge(schedule)
    return schedule
