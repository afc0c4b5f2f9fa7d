"""``eingang items`` and ``eingang show``: look at items from the shell."""

from __future__ import annotations

import json
from typing import Any

import click

from eingang.commands.audit import cli_actor
from eingang.commands.options import apply_settings, settings_options
from store import audit


def item_summary(item: Any) -> dict[str, Any]:
    return {
        "id": item.id,
        "reference": item.reference,
        "channel": item.channel,
        "status": item.status,
        "queue": item.queue,
        "intent": item.intent,
        "urgent": item.urgent,
        "received_at": item.received_at.isoformat(),
        "subject": item.subject,
        "sender": item.sender,
        "action": item.action,
        "referral_to": item.referral_to,
        "confidence": item.confidence,
        "status_reason": item.status_reason,
    }


def find_item(session, ref: str):  # type: ignore[no-untyped-def]
    """The item by number (``17``) or reference (``EIN-2026-000017``); a German error otherwise."""
    from sqlalchemy import select

    from store.models import Item

    item = (session.get(Item, int(ref)) if ref.isdigit()
            else session.scalars(select(Item).where(Item.reference == ref)).first())
    if item is None:
        raise click.ClickException(f"Vorgang {ref} nicht gefunden")
    return item


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
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Item

    settings = apply_settings(**overrides)
    query = select(Item)
    if status:
        query = query.where(Item.status.in_(status))
    if queue:
        query = query.where(Item.queue.in_(queue))
    if channel:
        query = query.where(Item.channel.in_(channel))
    if urgent:
        query = query.where(Item.urgent.is_(True))
    # Urgent first, the nearest deadline first among them (Widerspruch, § 14 SGB IX).
    query = query.order_by(
        Item.urgent.desc(), Item.deadline.asc().nulls_last(), Item.received_at.desc(), Item.id.desc()
    ).limit(limit)
    with session_scope(settings) as session:
        found = list(session.scalars(query))
        audit.append(session, "item.list", actor=cli_actor(), results=len(found),
                     filters={"status": list(status), "queue": list(queue), "urgent": urgent})
        for item in found:
            row = item_summary(item)
            if as_json:
                click.echo(json.dumps(row, ensure_ascii=False))
            else:
                flag = "!" if item.urgent else " "
                click.echo(
                    f"{flag} {row['reference'] or row['id']:<16} {row['received_at'][:16]} "
                    f"{row['channel']:<7} {row['status']:<15} {row['queue'] or '-':<19} "
                    f"{row['intent'] or '-':<17} {(row['subject'] or '')[:50]}"
                )


@click.command()
@settings_options
@click.argument("item_ref")
@click.option("--json", "as_json", is_flag=True, help="Als JSON ausgeben.")
def show(item_ref: str, as_json: bool, **overrides) -> None:
    """Einen Vorgang zeigen: Daten, Text, Entscheidung mit Begründung, Verlauf."""
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        item = find_item(session, item_ref)
        audit.append(session, "item.read", item=item, actor=cli_actor())
        data = item_summary(item) | {
            "text": item.text,
            "facts": item.facts,
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
    _print_item(data)


def _print_item(data: dict[str, Any]) -> None:
    click.echo(f"Vorgang {data['reference']} (#{data['id']}) — {data['status']}")
    if data["status_reason"]:
        click.echo(f"  Hinweis: {data['status_reason']}")
    click.echo(f"  Eingang:  {data['received_at']} über {data['channel']}")
    click.echo(f"  Absender: {data['sender'] or '-'}")
    click.echo(f"  Betreff:  {data['subject'] or '-'}")
    click.echo(f"  Queue:    {data['queue'] or '-'}  Anliegen: {data['intent'] or '-'}  "
               f"dringend: {'ja' if data['urgent'] else 'nein'}  Aktion: {data['action'] or '-'}")
    for reason in data["urgent_reasons"] or []:
        click.echo(f"  Dringend: {reason.get('label')} („{reason.get('trigger')}“)")
    decision = data["decision"] or {}
    for line in decision.get("explanation", []):
        click.echo(f"  Begründung: {line}")
    for line in (data["classification"] or {}).get("reasons", [])[:10]:
        click.echo(f"  Klassifikator: {line}")
    if data["facts"]:
        click.echo(f"  Fakten: {json.dumps(data['facts'], ensure_ascii=False)}")
    click.echo("  Dokumente:")
    for doc in data["documents"]:
        click.echo(f"    [{doc['role']}] {doc['filename'] or '-'} {doc['media_type']} {doc['size']} B"
                   + (f" — {doc['problem']}" if doc["problem"] else ""))
    click.echo("  Text:")
    for line in (data["text"] or "").splitlines()[:40]:
        click.echo(f"    {line}")
    click.echo("  Verlauf:")
    for ev in data["events"]:
        click.echo(f"    {ev['at'][:19]} {ev['actor']:<18} {ev['kind']:<16} {ev['message'] or ''}")
