"""``eingang items`` and ``eingang show``: look at items from the shell."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from admin import formats
from admin.event_labels import event_label
from domain import FOLLOW_UP_LABELS
from eingang.commands.audit import cli_actor
from eingang.commands.options import apply_settings, settings_options
from store import audit_chain, catalogue_rows, plain, schema
from store.audit_chain import Entry
from store.plain import Plain
from store.settings import Settings

# What a listing shows of an item (``--json``: in this order); the listing reads these columns.
SUMMARY = ("id", "reference", "channel", "status", "queue", "intent", "urgent", "urgent_guessed", "received_at",
           "subject",
           "sender", "action", "referral_to", "confidence", "status_reason")


def item_summary(item: Any) -> dict[str, Any]:
    """An item (of the ORM, or a row of the listing) as JSON values."""
    summary = {name: getattr(item, name) for name in SUMMARY}
    return summary | {"received_at": item.received_at.isoformat()}


# What ``eingang show`` reads of an item and of its documents.
SHOWN = (*SUMMARY, "text", "facts", "urgent_reasons", "classification", "decision", "problems")
DOCUMENT = ("id", "role", "media_type", "filename", "size", "page_count", "sha256", "problem")


def item_id(db: Plain, ref: str) -> int:
    """The item's number, by number (``17``) or reference (``EIN-2026-000017``); a German error
    otherwise."""
    found = (db.scalar("SELECT id FROM items WHERE id = :id", {"id": int(ref)}) if ref.isdigit()
             else db.scalar("SELECT id FROM items WHERE reference = :ref", {"ref": ref}))
    if found is None:
        raise click.ClickException(f"Vorgang {ref} nicht gefunden")
    return found


def find_item(session, ref: str):  # type: ignore[no-untyped-def]
    """The item (of the ORM) by number or reference, as :func:`item_id`."""
    from store.models import Item

    return session.get(Item, item_id(plain.of_session(session), ref))


@contextmanager
def _reading(overrides: dict[str, Any]) -> Iterator[tuple[Plain, Settings, list[Entry]]]:
    """The command's settings and one transaction on a connection of its own, after the schema
    check; the audit entries put in the list are chained as its last statements, as at a
    session's commit. Without SQLAlchemy (store.plain): its import was most of the start-up of
    ``eingang items`` and ``show`` (issue 16)."""
    settings = apply_settings(check_schema=False, **overrides)
    with plain.connect(settings) as db:
        schema.require_current(db)
        with db.transaction():
            audited: list[Entry] = []
            yield db, settings, audited
            audit_chain.write(db, audited)


@click.command()
@settings_options
@click.option("--status", multiple=True, help="Nur diese Status (mehrfach möglich).")
@click.option("--queue", multiple=True, help="Nur diese Queues (mehrfach möglich).")
@click.option("--channel", multiple=True, help="Nur diese Kanäle.")
@click.option("--urgent", is_flag=True, help="Nur dringende Vorgänge.")
@click.option("--limit", type=int, default=100, show_default=True, help="Höchstens so viele.")
@click.option("--json", "as_json", is_flag=True, help="Ein JSON-Objekt je Zeile.")
def items(status, queue, channel, urgent, limit, as_json, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Vorgänge auflisten (dringende zuerst, nach Frist; dann neueste)."""
    rest, params = _listing(status=status, queue=queue, channel=channel, urgent=urgent, limit=limit)
    with _reading(overrides) as (db, settings, audited):
        found = db.rows("items", SUMMARY, rest, params)
        audited.append(audit_chain.entry("item.list", actor=cli_actor(), details={
            "results": len(found), "filters": {"status": list(status), "queue": list(queue), "urgent": urgent}}))
        words = Wording(catalogue_rows.current(db, settings)) if not as_json else None
        for item in found:
            if words is None:
                click.echo(json.dumps(item_summary(item), ensure_ascii=False))
                continue
            flag = ("?" if item.urgent_guessed else "!") if item.urgent else " "
            click.echo(
                f"{flag} {item.reference or item.id:<16} {words.moment(item.received_at)} "
                f"{words.channel(item.channel):<16} {words.status(item.status):<18} "
                f"{words.office(item.queue):<24} {words.intent(item.intent):<22} {(item.subject or '')[:50]}"
            )


def _listing(*, status: tuple[str, ...], queue: tuple[str, ...], channel: tuple[str, ...], urgent: bool,
             limit: int) -> tuple[str, dict[str, Any]]:
    """The listing's WHERE, ORDER BY and LIMIT with their parameters."""
    where: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    for column, values in (("status", status), ("queue", queue), ("channel", channel)):
        if values:
            names = [f"{column}_{n}" for n in range(len(values))]
            where.append(f"{column} IN ({', '.join(':' + name for name in names)})")
            params.update(zip(names, values, strict=True))
    if urgent:
        where.append("urgent = :urgent")
        params["urgent"] = True
    # Urgent first, the nearest deadline first among them (Widerspruch, § 14 SGB IX).
    order = "ORDER BY urgent DESC, deadline ASC NULLS LAST, received_at DESC, id DESC LIMIT :limit"
    return (f"WHERE {' AND '.join(where)} {order}" if where else order), params


@click.command()
@settings_options
@click.argument("item_ref")
@click.option("--json", "as_json", is_flag=True, help="Als JSON ausgeben.")
def show(item_ref: str, as_json: bool, **overrides) -> None:
    """Einen Vorgang zeigen: Daten, Text, Entscheidung mit Begründung, Verlauf."""
    with _reading(overrides) as (db, settings, audited):
        found = {"id": item_id(db, item_ref)}
        [item] = db.rows("items", SHOWN, "WHERE id = :id", found)
        item.documents = db.rows("documents", DOCUMENT, "WHERE item_id = :id ORDER BY id", found)
        item.events = db.rows("events", ("at", "actor", "kind", "message"), "WHERE item_id = :id ORDER BY id", found)
        audited.append(audit_chain.entry("item.read", actor=cli_actor(), item_id=item.id, queue=item.queue,
                                         reference=item.reference))
        words = Wording(catalogue_rows.current(db, settings))
        data = item_summary(item) | {
            "text": item.text,
            # Only masked, as on the item page: a terminal is scrolled back, copied and logged.
            "facts": {key: formats.fact_values(key, value) if key == "iban" else value
                      for key, value in (item.facts or {}).items()},
            "urgent_reasons": item.urgent_reasons,
            "classification": item.classification,
            "decision": item.decision,
            "problems": item.problems,
            "documents": [
                {"id": d.id, "role": d.role, "media_type": d.media_type, "filename": d.filename,
                 "size": d.size, "pages": d.page_count, "sha256": d.sha256, "problem": d.problem}
                for d in item.documents
            ],
            "events": [
                {"at": e.at.isoformat(), "actor": e.actor, "kind": e.kind, "message": e.message}
                for e in item.events
            ],
        }
        if as_json:
            click.echo(json.dumps(data, ensure_ascii=False, indent=2))
            return
        _print_item(data, item, words)


def _print_item(data: dict[str, Any], item: Any, words: Wording) -> None:
    click.echo(f"Vorgang {data['reference']} (#{data['id']}) — {words.status(item.status)}")
    if data["status_reason"]:
        click.echo(f"  Hinweis: {data['status_reason']}")
    click.echo(f"  Eingang:  {words.moment(item.received_at)} über {words.channel(item.channel)}")
    click.echo(f"  Absender: {data['sender'] or '-'}")
    click.echo(f"  Betreff:  {data['subject'] or '-'}")
    click.echo(f"  Amt:      {words.office(item.queue)}  Anliegen: {words.intent(item.intent)}  "
               f"dringend: {('vielleicht (nur Modell)' if item.urgent_guessed else 'ja') if item.urgent else 'nein'}  Folgeschritt: {words.follow_up(item.action)}")
    for reason in data["urgent_reasons"] or []:
        click.echo(f"  Dringend: {formats.urgent_reason_text(reason)}")
    decision = data["decision"] or {}
    for line in decision.get("explanation", []):
        click.echo(f"  Begründung: {line}")
    for line in (data["classification"] or {}).get("reasons", [])[:10]:
        click.echo(f"  Klassifikator: {line}")
    for key, value in (item.facts or {}).items():
        shown = "; ".join(formats.fact_values(key, value))
        click.echo(f"  {formats.FACT_LABELS.get(key, key)}: {shown}")
    click.echo("  Dokumente:")
    for doc in item.documents:
        click.echo(f"    [{words.document_role(doc.role)}] {doc.filename or '-'}, "
                   f"{formats.media_label(doc.media_type)}, {formats.size_label(doc.size)}"
                   + (f" — {doc.problem}" if doc.problem else ""))
    click.echo("  Text:")
    for line in (data["text"] or "").splitlines()[:40]:
        click.echo(f"    {line}")
    click.echo("  Verlauf:")
    for event in item.events:
        click.echo(f"    {words.moment(event.at, seconds=True)} {event.actor:<18} "
                   f"{event_label(event.kind):<22} {event.message or ''}")


class Wording:
    """What staff read in the terminal: the catalogue's names for offices, intents and channels,
    German status names and the Kommune's local time — as the item page shows them."""

    def __init__(self, catalogue: Any) -> None:
        self.catalogue = catalogue

    def moment(self, at: Any, seconds: bool = False) -> str:
        return at.astimezone(self.catalogue.kommune.zone).strftime("%d.%m.%Y %H:%M" + (":%S" if seconds else ""))

    def channel(self, key: str | None) -> str:
        channel = self.catalogue.channel(key)
        return channel.label if channel else (key or "–")

    def status(self, key: str | None) -> str:
        return formats.STATUSES.get(key or "", key or "–")

    def office(self, key: str | None) -> str:
        return self.catalogue.queue_title(key) if key else "–"

    def intent(self, key: str | None) -> str:
        return self.catalogue.intent_label(key) if key else "–"

    def follow_up(self, key: str | None) -> str:
        return FOLLOW_UP_LABELS.get(key or "", key or "–")

    def document_role(self, key: str | None) -> str:
        return self.catalogue.document_role_label(key) if key else "Dokument"
