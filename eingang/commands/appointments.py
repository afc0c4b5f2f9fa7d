"""``eingang termine``: appointment schedules per queue (opening hours, length, capacity, holidays)."""

from __future__ import annotations

import re

import click

WEEKDAYS = {"mo": 0, "di": 1, "mi": 2, "do": 3, "fr": 4, "sa": 5, "so": 6}
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")


def parse_hours(specs: tuple[str, ...]) -> dict[str, list[list[str]]]:
    """``mo=08:30-12:00,14:00-16:00`` (one option per weekday) → schedule hours."""
    hours: dict[str, list[list[str]]] = {}
    for spec in specs:
        day, _, windows = spec.partition("=")
        if day.strip().lower()[:2] not in WEEKDAYS:
            raise click.BadParameter(f"„{spec}“: Wochentag als mo, di, mi, do, fr, sa, so angeben")
        out = []
        for window in windows.split(","):
            window = window.strip()
            if not _WINDOW.match(window) or window[:5] >= window[6:]:
                raise click.BadParameter(f"„{window}“: Zeitfenster als 08:30-12:00 angeben")
            out.append([window[:5], window[6:]])
        hours[str(WEEKDAYS[day.strip().lower()[:2]])] = out
    return hours


@click.group()
def termine() -> None:
    """Terminvergabe: Sprechzeiten, Dauer, Kapazität und Schließtage je Warteschlange."""


@termine.command("set")
@click.argument("queue")
@click.option("--hours", "hours", multiple=True, help="Sprechzeit, z. B. mo=08:30-12:00,14:00-16:00 (mehrfach).")
@click.option("--minutes", type=click.IntRange(5, 480), help="Dauer eines Termins in Minuten.")
@click.option("--capacity", type=click.IntRange(1, 100), help="Personen je Termin.")
@click.option("--closed", multiple=True, help="Schließtag JJJJ-MM-TT (mehrfach).")
@click.option("--location", help="Ort des Termins (erscheint in Mail und Kalender).")
@click.option("--lead-hours", type=click.IntRange(0, 24 * 30), help="Frühester Termin ab jetzt (Stunden).")
def set_(queue: str, hours: tuple[str, ...], minutes: int | None, capacity: int | None,
         closed: tuple[str, ...], location: str | None, lead_hours: int | None) -> None:
    """Terminplan einer Warteschlange anlegen oder ändern."""
    from datetime import date

    from store.appointments import DEFAULT_HOURS, schedule_for
    from store.db import session_scope
    from store.events import record

    for day in closed:
        try:
            date.fromisoformat(day)
        except ValueError as exc:
            raise click.BadParameter(f"„{day}“ ist kein Datum (JJJJ-MM-TT)") from exc
    with session_scope() as session:
        schedule = schedule_for(session, queue)
        if schedule not in session:
            schedule.hours = dict(DEFAULT_HOURS)
            session.add(schedule)
        if hours:
            schedule.hours = parse_hours(hours)
        if minutes:
            schedule.slot_minutes = minutes
        if capacity:
            schedule.capacity = capacity
        if closed:
            schedule.holidays = sorted(set(schedule.holidays or []) | set(closed))
        if location is not None:
            schedule.location = location
        if lead_hours is not None:
            schedule.min_lead_hours = lead_hours
        record(session, None, "cli:termine", "schedule_changed", f"Terminplan {queue} geändert",
               queue=queue, hours=schedule.hours, minutes=schedule.slot_minutes,
               capacity=schedule.capacity, closed=schedule.holidays)
        click.echo(describe(schedule))


@termine.command("show")
@click.argument("queue")
def show(queue: str) -> None:
    """Terminplan einer Warteschlange anzeigen (Standard, solange keiner angelegt ist)."""
    from store.appointments import schedule_for
    from store.db import session_scope

    with session_scope() as session:
        click.echo(describe(schedule_for(session, queue)))


def describe(schedule) -> str:  # type: ignore[no-untyped-def]
    names = {v: k for k, v in WEEKDAYS.items()}
    lines = [f"Warteschlange {schedule.queue}: {schedule.slot_minutes} Minuten, {schedule.capacity} Person(en) je Termin"]
    for day, windows in sorted((schedule.hours or {}).items()):
        lines.append(f"  {names[int(day)]}: " + ", ".join(f"{a}–{b}" for a, b in windows))
    lines.append(f"  Feiertage: {schedule.public_holidays or 'keine'}; Schließtage: {', '.join(schedule.holidays or []) or 'keine'}")
    if schedule.location:
        lines.append(f"  Ort: {schedule.location}")
    return "\n".join(lines)
