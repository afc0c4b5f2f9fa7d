"""``eingang stapel``: mailroom batches from the shell: list, show, re-split (move a start, cut
before a page, join two letters), turn a page, correct the date."""

from __future__ import annotations

from datetime import datetime

import click

from eingang.commands.audit import cli_actor
from eingang.commands.options import apply_settings, settings_options


@click.group("stapel")
def stapel() -> None:
    """Poststapel: Briefe ansehen, von Hand trennen und zusammenführen, Seiten drehen, Eingangsdatum ändern."""


@stapel.command("list")
@settings_options
@click.option("--limit", type=int, default=20, show_default=True, help="Höchstens so viele.")
def list_batches(limit: int, **overrides) -> None:
    """Die neuesten Poststapel."""
    from store.db import session_scope
    from worker import batches

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        for batch in batches.recent(session, limit):
            view = batches.overview(session, batch.id)
            confidence = f"{view['confidence']:.0f} %" if view["confidence"] is not None else "-"
            click.echo(
                f"{batch.id:>5}  {view['reference'] or '-':<16} {batch.received_at:%d.%m.%Y}  "
                f"{view['status']:<8} {view['page_count'] or 0:>3} Seiten  "
                f"{len(view['letters']):>2} Briefe  OCR {confidence}  {batch.source or ''}"
            )


@stapel.command("show")
@settings_options
@click.argument("batch_id", type=int)
def show_batch(batch_id: int, **overrides) -> None:
    """Seiten und Briefe eines Poststapels, und wohin jeder Brief ging."""
    from store.db import session_scope
    from worker import batches

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        view = batches.overview(session, batch_id)
    click.echo(f"Poststapel {view['id']} ({view['reference']}), Eingang {view['received_at']:%d.%m.%Y}, "
               f"{view['status']}: {view['status_reason'] or ''}")
    for page in view["pages"]:
        mark = "leer" if page["blank"] else (f"Code {', '.join(page['barcodes'])}" if page["barcodes"] else "")
        confidence = f"{page['confidence']:.0f} %" if page["confidence"] is not None else "  -"
        click.echo(f"  Seite {page['number']:>3}  Brief {page['letter'] or '-':>2}  {confidence:>5}  "
                   f"{mark:<20} {page['preview'][:60]!r}")
    for letter in view["letters"]:
        click.echo(f"  Brief {letter['number']}: Seiten {letter['pages']} → {letter['reference']} "
                   f"{letter['status']} {letter['queue'] or ''} ({letter['reason']})"
                   + (f" – mehrere Absender? ab Seite {letter['senders']['page']}" if letter.get("senders") else ""))


@stapel.command("move")
@settings_options
@click.argument("batch_id", type=int)
@click.argument("letter", type=int)
@click.argument("first_page", type=int)
def move(batch_id: int, letter: int, first_page: int, **overrides) -> None:
    """Brief LETTER (ab 2) beginnt künftig mit Seite FIRST_PAGE; geänderte Briefe werden neu angelegt."""
    from services import mailroom

    settings = apply_settings(**overrides)
    created = _run_edit(
        settings, lambda: mailroom.move_letter_start(settings, batch_id, letter, first_page, cli_actor()))
    click.echo(f"Neu aufgeteilt; {len(created)} Briefe neu angelegt und verarbeitet.")


def _run_edit(settings, edit):  # type: ignore[no-untyped-def]
    """Run a mailroom edit; in embedded mode the new letters are processed here before we return."""
    from eingang.commands.serve import processing
    from services import mailroom

    with processing(settings):
        try:
            return edit()
        except mailroom.MailroomError as exc:
            raise click.ClickException(str(exc)) from exc


@stapel.command("cut")
@settings_options
@click.argument("batch_id", type=int)
@click.argument("page", type=int)
def cut(batch_id: int, page: int, **overrides) -> None:
    """Vor Seite PAGE beginnt ein neuer Brief (wie „Trennen“ zwischen zwei Seiten in der Poststelle)."""
    from services import mailroom

    settings = apply_settings(**overrides)
    created = _run_edit(settings, lambda: mailroom.cut_before(settings, batch_id, page, cli_actor()))
    click.echo(f"Brief vor Seite {page} getrennt; {len(created)} Briefe neu angelegt.")


@stapel.command("join")
@settings_options
@click.argument("batch_id", type=int)
@click.argument("letter", type=int)
def join(batch_id: int, letter: int, **overrides) -> None:
    """Brief LETTER und der folgende Brief werden ein Brief."""
    from services import mailroom

    settings = apply_settings(**overrides)
    created = _run_edit(settings, lambda: mailroom.join_letters(settings, batch_id, letter, cli_actor()))
    click.echo(f"Briefe {letter} und {letter + 1} zusammengeführt; {len(created)} Briefe neu angelegt.")


@stapel.command("turn")
@settings_options
@click.argument("batch_id", type=int)
@click.argument("page", type=int)
@click.argument("degrees", type=click.Choice(["90", "180", "270"]))
def turn(batch_id: int, page: int, degrees: str, **overrides) -> None:
    """Seite PAGE um DEGREES Grad im Uhrzeigersinn drehen und neu lesen; der Scan bleibt unverändert."""
    from services import mailroom

    settings = apply_settings(**overrides)
    _run_edit(settings, lambda: mailroom.turn_page(settings, batch_id, page, int(degrees), cli_actor()))
    click.echo(f"Seite {page} um {degrees}° gedreht und neu gelesen.")


@stapel.command("stamp")
@settings_options
@click.argument("batch_id", type=int)
@click.argument("day", type=click.DateTime(["%Y-%m-%d"]))
@click.option("--grund", "reason", required=True,
              help="Warum der Eingangsstempel geändert wird (steht im Verlauf jedes Briefs).")
def stamp(batch_id: int, day: datetime, reason: str, **overrides) -> None:
    """Eingangsstempel (Datum) des Stapels und aller seiner Briefe ändern."""
    from services import mailroom

    settings = apply_settings(**overrides)
    try:
        mailroom.stamp(settings, batch_id, day.date(), cli_actor(), reason)
    except mailroom.MailroomError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Eingangsdatum auf {day:%d.%m.%Y} gesetzt.")
