"""``eingang fitconnect``: pick up OZG online applications from FIT-Connect Zustellpunkte;
``eingang fitconnect-keys``: make the key pairs a destination needs."""

from __future__ import annotations

from pathlib import Path

import click

from eingang.commands.options import apply_settings, settings_options


@click.command()
@settings_options
@click.option("--once", is_flag=True, help="Jeden Zustellpunkt einmal abrufen und beenden.")
def fitconnect(once: bool, **overrides) -> None:
    """Online-Anträge über FIT-Connect abholen (EINGANG_FITCONNECT_DESTINATIONS und die in der
    Verwaltung eingerichteten Zustellpunkte): entschlüsseln, prüfen, speichern, dann bestätigen."""
    from connectors.fitconnect import Subscriber
    from eingang.commands.serve import run_connector, start_processing
    from store.db import session_scope
    from store.fitconnect_config import active_destinations

    settings = apply_settings(**overrides)
    if not once:
        # Keeps running without a destination: one added in the console is picked up later
        # (and under honcho an exiting process would stop all the others).
        run_connector(settings, "fitconnect", lambda _: "FIT-Connect-Eingang ruft die "
                      "eingerichteten Zustellpunkte ab.", join_seconds=60)
        return
    runtime = start_processing(settings)
    try:
        with session_scope(settings) as session:
            destinations = active_destinations(session, settings)
        if not destinations:
            raise click.ClickException("Kein FIT-Connect-Zustellpunkt eingerichtet.")
        for destination in destinations:
            result = Subscriber(destination, settings).poll_once()
            click.echo(f"{destination.name}: {result.accepted} angenommen, {result.rejected} "
                       f"zurückgewiesen, {result.confirmed_later} nachträglich bestätigt")
        if runtime:
            runtime.drain()
    finally:
        if runtime:
            runtime.stop()


@click.command("fitconnect-keys")
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def fitconnect_keys(folder: Path) -> None:
    """Schlüsselpaare für einen FIT-Connect-Zustellpunkt erzeugen (RSA 4096: Verschlüsselung
    RSA-OAEP-256, Signatur PS512). Die öffentlichen Schlüssel werden im Self-Service-Portal
    hinterlegt, die privaten bleiben bei eingang (Dateirechte 0600)."""
    from connectors.fitconnect_crypto import generate_keys

    folder.mkdir(parents=True, exist_ok=True)
    enc, sig = generate_keys()
    for name, key in (("verschluesselung", enc), ("signatur", sig)):
        private = folder / f"{name}-privat.jwk.json"
        private.touch(mode=0o600, exist_ok=False)
        private.write_text(key.export_private(), encoding="utf-8")
        (folder / f"{name}-oeffentlich.jwk.json").write_text(key.export_public(), encoding="utf-8")
    click.echo(f"Schlüssel in {folder} geschrieben: die Dateien *-oeffentlich.jwk.json im "
               "Self-Service-Portal hinterlegen, *-privat.jwk.json als encryption_key_file und "
               "signing_key_file eintragen.")
