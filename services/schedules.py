"""Appointment schedules per queue: opening hours as staff write them, and as text."""

from __future__ import annotations

import re

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


def describe(schedule) -> str:  # type: ignore[no-untyped-def]
    names = {v: k for k, v in WEEKDAYS.items()}
    lines = [f"Warteschlange {schedule.queue}: {schedule.slot_minutes} Minuten, {schedule.capacity} Person(en) je Termin"]
    for day, windows in sorted((schedule.hours or {}).items()):
        lines.append(f"  {names[int(day)]}: " + ", ".join(f"{a}–{b}" for a, b in windows))
    lines.append(f"  Feiertage: {schedule.public_holidays or 'keine'}; Schließtage: {', '.join(schedule.holidays or []) or 'keine'}")
    if schedule.location:
        lines.append(f"  Ort: {schedule.location}")
    return "\n".join(lines)
