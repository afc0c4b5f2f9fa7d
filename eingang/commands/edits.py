"""``eingang clearing``, ``eingang merge``, ``eingang split``: the Clearing-Stelle's decision and
the item edits of the item page, from the shell (the same services as the web app)."""

from __future__ import annotations

import click

from eingang.commands.audit import cli_actor
from eingang.commands.items import find_item
from eingang.commands.options import apply_settings, settings_options


@click.command()
@settings_options
@click.argument("item_ref")
@click.argument("queue")
@click.option("--verweisung", "referral_to", default=None,
              help="Zuständige Stelle außerhalb der Kommune (mit QUEUE extern).")
@click.option("--notiz", "note", default=None, help="Begründung für den Verlauf.")
def clearing(item_ref: str, queue: str, referral_to: str | None, note: str | None, **overrides) -> None:
    """Vorgang der Clearing-Stelle entscheiden: zuweisen, Folgeschritt planen, Klassifikator lernen lassen."""
    from eingang.commands.serve import processing
    from services import clearing as service
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        item_id, reference = (item := find_item(session, item_ref)).id, item.reference
    try:
        planned = service.decide(settings, item_id, queue, cli_actor(), referral_to, note)
    except service.ClearingError as exc:
        raise click.ClickException(str(exc)) from exc
    with processing(settings):  # embedded: the follow-up is sent from here
        service.send_planned(planned)
    click.echo(f"{reference}: entschieden, an {queue}"
               + (f"; {len(planned)} Nachricht(en) geplant." if planned else "."))


@click.command()
@settings_options
@click.argument("item_ref")
@click.argument("into_ref")
def merge(item_ref: str, into_ref: str, **overrides) -> None:
    """Vorgang ITEM_REF als Dublette mit INTO_REF zusammenführen (Dokumente wandern mit)."""
    from services import mailroom
    from store.db import session_scope

    settings = apply_settings(**overrides)
    try:
        with session_scope(settings) as session:
            item, into = find_item(session, item_ref), find_item(session, into_ref)
            mailroom.merge_duplicate(session, item, into, cli_actor())
            text = f"{item.reference} mit {into.reference} zusammengeführt."
    except mailroom.MailroomError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(text)


@click.command()
@settings_options
@click.argument("item_ref")
@click.argument("document_ids", nargs=-1, type=int, required=True)
def split(item_ref: str, document_ids: tuple[int, ...], **overrides) -> None:
    """Dokumente DOCUMENT_IDS (siehe „eingang show“) in einen neuen Vorgang abtrennen."""
    from eingang.commands.serve import processing
    from services import mailroom
    from store.db import session_scope

    settings = apply_settings(**overrides)
    try:
        with session_scope(settings) as session:
            item = find_item(session, item_ref)
            new = mailroom.split_off(session, item, list(document_ids), cli_actor())
            new_id, text = new.id, f"Abgetrennt in {new.reference}."
    except mailroom.MailroomError as exc:
        raise click.ClickException(str(exc)) from exc
    with processing(settings):  # embedded: the new item is classified here
        mailroom.classify_split(new_id)
    click.echo(text)
