"""``eingang counts``: check and repair the live counts of the inbox (table item_counts)."""

from __future__ import annotations

import click

from eingang.commands.options import apply_settings, settings_options


def _show(wrong) -> None:  # type: ignore[no-untyped-def]
    for m in wrong:
        click.echo(f"{m.status:<16} {m.queue or '(ohne)':<20} {'dringend' if m.urgent else '':<9}"
                   f" gespeichert {m.stored:>8}  tatsächlich {m.actual:>8}")


@click.group()
def counts() -> None:
    """Zähler des Posteingangs (je Status und Zuständigkeit) prüfen und neu berechnen."""


@counts.command()
@settings_options
def check(**overrides) -> None:  # type: ignore[no-untyped-def]
    """Zähler mit den Vorgängen vergleichen; Exit-Code 1 bei Abweichung."""
    from store import counts as item_counts
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        wrong = item_counts.check(session)
    if wrong:
        _show(wrong)
        raise click.ClickException(f"{len(wrong)} Zähler weichen ab: eingang counts repair")
    click.echo("Alle Zähler stimmen.")


@counts.command()
@settings_options
def repair(**overrides) -> None:  # type: ignore[no-untyped-def]
    """Zähler aus den Vorgängen neu berechnen (Schreibzugriffe warten so lange)."""
    from store import counts as item_counts
    from store.db import session_scope

    settings = apply_settings(**overrides)
    with session_scope(settings) as session:
        wrong = item_counts.repair(session)
    _show(wrong)
    click.echo(f"Zähler neu berechnet; {len(wrong)} waren falsch." if wrong else
               "Zähler neu berechnet; alle stimmten bereits.")
