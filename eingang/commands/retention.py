"""``eingang retention``: retention periods per queue, legal holds and the deletion run."""

from __future__ import annotations

import click

from eingang.commands.audit import cli_actor
from eingang.commands.items import find_item
from eingang.commands.options import apply_settings, settings_options


@click.group()
def retention() -> None:
    """Aufbewahrungsfristen, Löschsperren und Löschlauf."""


@retention.command()
@settings_options
def show(**overrides) -> None:  # type: ignore[no-untyped-def]
    """Geltende Fristen je Queue mit Rechtsgrundlage zeigen."""
    from store import retention as r
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        days = r.retention_days(session, settings)
        defaults = r.defaults(session, settings)
    for queue in sorted(q for q in days if q is not None):
        default = defaults.get(queue, r.FALLBACK)
        source = "Standard" if days[queue] == default.days else "konfiguriert"
        click.echo(f"{queue:<20} {days[queue]:>5} Tage nach Abschluss ({source})")
        click.echo(f"{'':<20} {default.basis}")
    click.echo(f"{'(ohne Queue)':<20} {days[None]:>5} Tage nach Abschluss (Standard)")


@retention.command("set")
@settings_options
@click.argument("queue")
@click.argument("days", type=int, required=False)
def set_(queue: str, days: int | None, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Frist einer Queue setzen (ohne DAYS: zurück zum Standard)."""
    from store import retention as r
    from store.db import session_scope

    settings = apply_settings(**overrides)
    try:
        with session_scope(settings) as session:
            r.set_retention_days(session, queue, days, cli_actor(), settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{queue}: {days if days is not None else 'Standardfrist'}")



@retention.command()
@settings_options
@click.argument("item_ref")
@click.option("--reason", required=True, help="Grund (z. B. Widerspruch, Klage, Prüfung).")
def hold(item_ref: str, reason: str, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Löschsperre für einen Vorgang setzen."""
    from store import retention as r
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        r.set_legal_hold(session, find_item(session, item_ref), True, cli_actor(), reason)
    click.echo(f"Löschsperre für {item_ref} gesetzt.")


@retention.command()
@settings_options
@click.argument("item_ref")
def release(item_ref: str, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Löschsperre aufheben."""
    from store import retention as r
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        r.set_legal_hold(session, find_item(session, item_ref), False, cli_actor(), None)
    click.echo(f"Löschsperre für {item_ref} aufgehoben.")


@retention.command()
@settings_options
@click.option("--dry-run", is_flag=True, help="Nur zeigen, was gelöscht würde.")
def run(dry_run: bool, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Abgelaufene Vorgänge jetzt löschen (sonst täglich automatisch)."""
    from store import retention as r

    settings = apply_settings(**overrides)
    report = r.run_job(settings, dry_run=dry_run, actor=cli_actor())
    verb = "würden gelöscht" if dry_run else "gelöscht"
    for entry in report.deleted_items:
        click.echo(f"{entry['reference'] or entry['item_id']:<16} {entry['queue'] or '-':<20} "
                   f"abgeschlossen {entry['closed_at'][:10]}, Frist {entry['retention_days']} Tage")
    click.echo(f"{len(report.deleted_items)} Vorgänge {verb}; {report.held} mit Löschsperre behalten; "
               f"{report.deleted_blobs} Dateien gelöscht, {report.kept_blobs} noch anderweitig genutzt.")
