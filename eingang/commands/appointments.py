"""``eingang termine``: appointment schedules per queue (opening hours, length, capacity, holidays)."""

from __future__ import annotations

import click

from services.schedules import ScheduleError, describe, parse_hours


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
            try:
                schedule.hours = parse_hours(hours)
            except ScheduleError as exc:
                raise click.BadParameter(str(exc)) from exc
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
