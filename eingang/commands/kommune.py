"""``eingang kommune``: the domain catalogue as a Kommune profile (import, export, show)."""

from __future__ import annotations

from pathlib import Path

import click

from eingang.commands.audit import cli_actor
from eingang.commands.options import apply_settings, settings_options


@click.group()
def kommune() -> None:
    """Katalog der Kommune: Zuständigkeiten, Verweisungsstellen, Anliegenarten, Kanäle."""


@kommune.command("import")
@settings_options
@click.argument("profile")
def import_(profile: str, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Kommunenprofil einspielen: mitgeliefert (oldenburg, ammerland) oder eine YAML-Datei.

    Ersetzt den Katalog; Zuständigkeiten, die im Profil fehlen, werden deaktiviert (nicht
    gelöscht, Vorgänge nennen sie noch)."""
    from domain import ProfileError, load_profile
    from services.catalogue import import_profile
    from store.db import upgrade_schema

    settings = apply_settings(check_schema=False, **overrides)
    try:
        catalogue = load_profile(profile)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from exc
    upgrade_schema(settings)
    revision = import_profile(settings, catalogue, cli_actor(), profile)
    click.echo(f"{catalogue.kommune.name}: {len(catalogue.offices)} Zuständigkeiten, "
               f"{len(catalogue.referral_bodies)} Verweisungsstellen eingespielt (Stand {revision}).")


@kommune.command()
@settings_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="In diese Datei schreiben (sonst auf die Standardausgabe).")
def export(output: Path | None, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Den Katalog als Kommunenprofil (YAML) ausgeben."""
    from services.catalogue import export_profile

    settings = apply_settings(**overrides)
    text = export_profile(settings, cli_actor())
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Geschrieben: {output}")
    else:
        click.echo(text, nl=False)


@kommune.command()
@settings_options
def show(**overrides) -> None:  # type: ignore[no-untyped-def]
    """Kommune, Zuständigkeiten, Anliegenarten und Kanäle kurz zeigen."""
    from store.catalogue import current_catalogue

    settings = apply_settings(**overrides)
    c = current_catalogue(None, settings)
    k = c.kommune
    click.echo(f"{k.name} ({k.kind}, AGS {k.ags or '–'}), Postleitzahlen: "
               f"{', '.join(sorted(k.all_postcodes))}")
    click.echo(f"Zeitzone {k.timezone}, gesetzliche Feiertage {k.holiday_region}")
    for g in k.gemeinden:
        own = f"; führt selbst: {', '.join(g.offices)}" if g.offices else ""
        click.echo(f"  Gemeinde {g.name}: {', '.join(g.postcodes)}{own}")
    default = settings.default_response_target_hours
    for o in c.offices:
        state = "" if o.active else " (inaktiv)"
        target = f"{c.response_target_hours(o.key, default):g}".replace(".", ",")
        click.echo(f"{o.key:<24} {o.label}{state} – {o.leistungsform or 'Sonderfall'}, "
                   f"{o.retention_days} Tage, Zielzeit {target} Std."
                   + ("" if o.response_target_hours else " (Standard)"))
    for i in c.intents:
        state = "" if i.active else " (ausgeblendet)"
        words = f" – Stichwörter: {', '.join(i.keywords)}" if i.keywords else ""
        click.echo(f"Anliegenart {i.key:<18} {i.label}{state}{words}")
    for ch in c.channels:
        state = "" if ch.active else " (ausgeblendet)"
        trust = ", vertrauenswürdig" if ch.trusted else ""
        click.echo(f"Kanal {ch.key:<24} {ch.symbol} {ch.label}{trust}{state}")
