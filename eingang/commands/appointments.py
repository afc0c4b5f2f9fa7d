"""``eingang termine``: appointment schedules per queue (opening hours, length, capacity, holidays)."""

from __future__ import annotations

import click

from services.schedules import ScheduleError, change_schedule, describe, parse_hours
from store.catalogue import current_catalogue
from store.settings import get_settings


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
    try:
        schedule = change_schedule(
            get_settings(), queue, "cli:termine", hours=parse_hours(hours) if hours else None, minutes=minutes,
            capacity=capacity, also_closed=list(closed), location=location, lead_hours=lead_hours,
        )
    except ScheduleError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(describe(schedule, current_catalogue().kommune))


@termine.command("show")
@click.argument("queue")
def show(queue: str) -> None:
    """Terminplan einer Warteschlange anzeigen (Standard, solange keiner angelegt ist)."""
    from store.appointments import schedule_for
    from store.db import session_scope

    settings = get_settings()
    with session_scope(settings) as session:
        click.echo(describe(schedule_for(session, queue), current_catalogue(session, settings).kommune))
