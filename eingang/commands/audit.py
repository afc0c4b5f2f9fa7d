"""``eingang audit``: the access audit trail for auditors — verify the hash chain, search, export."""

from __future__ import annotations

import getpass
import sys
from datetime import datetime

import click

from eingang.commands.options import apply_settings, settings_options


def cli_actor() -> str:
    return f"cli:{getpass.getuser()}"


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.astimezone()


@click.group()
def audit() -> None:
    """Zugriffsprotokoll: prüfen, durchsuchen, exportieren (für Prüfer/innen)."""


@audit.command()
@settings_options
@click.option("--head", "expected_head", default=None,
              help="Zuletzt notierter Kopf-Hash: fehlt er, wurden Einträge entfernt.")
def verify(expected_head: str | None, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Die Hash-Kette des Protokolls prüfen (Exit-Code 1 bei Manipulation)."""
    from store import audit as store_audit
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        result = store_audit.verify(session, expected_head=expected_head)
    with session_scope(settings) as session:
        store_audit.append(session, "audit.verify", actor=cli_actor(), entries=result.count,
                           ok=result.ok)
    for problem in result.problems:
        click.echo(f"FEHLER: {problem}")
    click.echo(f"{result.count} Einträge geprüft; Kopf Nr. {result.head_seq or 0}, "
               f"Hash {result.head_hash or '-'}")
    if not result.ok:
        sys.exit(1)
    click.echo("Protokoll unverändert.")


def _query_options(fn):  # type: ignore[no-untyped-def]
    options = [
        click.option("--actor", help="Nur diese Person / Komponente."),
        click.option("--action", help="Nur diese Aktion (z. B. item.read; mit Punkt am Ende: Präfix)."),
        click.option("--item", "item_ref", help="Nur dieser Vorgang (Referenz oder Nummer)."),
        click.option("--queue", help="Nur diese Queue."),
        click.option("--ip", help="Nur diese IP-Adresse."),
        click.option("--since", help="Ab (ISO-Datum/Zeit)."),
        click.option("--until", help="Bis ausschließlich (ISO-Datum/Zeit)."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _query(actor, action, item_ref, queue, ip, since, until, limit):  # type: ignore[no-untyped-def]
    from store.audit import AuditQuery

    item_id = int(item_ref) if item_ref and item_ref.isdigit() else None
    reference = item_ref if item_ref and not item_ref.isdigit() else None
    return AuditQuery(actor=actor, action=action, item_id=item_id, reference=reference, queue=queue,
                      ip=ip, since=_when(since), until=_when(until), limit=limit)


@audit.command()
@settings_options
@_query_options
@click.option("--limit", type=int, default=100, show_default=True)
def search(actor, action, item_ref, queue, ip, since, until, limit, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Protokolleinträge suchen (neueste zuerst)."""
    from store import audit as store_audit
    from store.db import session_scope

    settings = apply_settings(**overrides)
    query = _query(actor, action, item_ref, queue, ip, since, until, limit)
    with session_scope(settings) as session:
        rows = [store_audit.as_row(e) for e in store_audit.search(session, query)]
        store_audit.append(session, "audit.search", actor=cli_actor(), results=len(rows))
    for r in rows:
        click.echo(f"{r['seq']:>7} {r['at'][:19]} {r['actor']:<24} {r['action_label']:<40} "
                   f"{r['reference'] or r['item_id'] or r['target'] or '-'} {r['ip'] or ''}")


@audit.command()
@settings_options
@_query_options
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Datei (sonst Standardausgabe).")
def export(actor, action, item_ref, queue, ip, since, until, fmt, output, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Protokoll als CSV (Semikolon) oder JSON-Zeilen exportieren, älteste zuerst."""
    from store import audit as store_audit
    from store.db import session_scope

    settings = apply_settings(**overrides)
    query = _query(actor, action, item_ref, queue, ip, since, until, None)
    with session_scope(settings) as session:
        events = store_audit.search(session, query)
        data = store_audit.export(events, fmt)
        store_audit.append(session, "audit.export", actor=cli_actor(), entries=len(events), format=fmt)
    if output:
        with open(output, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
        click.echo(f"{len(events)} Einträge nach {output} exportiert.", err=True)
    else:
        click.echo(data, nl=False)
