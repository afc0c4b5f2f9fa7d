"""``eingang check``: report weak production settings; exit code 1 when there is any."""

from __future__ import annotations

import sys

import click

from eingang.commands.options import apply_settings, settings_options


@click.command()
@settings_options
def check(**overrides) -> None:  # type: ignore[no-untyped-def]
    """Einstellungen auf Schwächen für den Produktivbetrieb prüfen (Exit-Code 1 bei Befund)."""
    from store.checks import find_weak_settings

    findings = find_weak_settings(apply_settings(check_schema=False, **overrides))
    for finding in findings:
        click.echo(f"SCHWACH [{finding.key}]: {finding.message}")
    if findings:
        click.echo(f"{len(findings)} Befund(e).")
        sys.exit(1)
    click.echo("Keine schwachen Einstellungen gefunden.")
