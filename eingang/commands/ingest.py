"""``eingang ingest``: import files (.eml, .pdf, images, .txt) as items."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from pathlib import Path

import click

from eingang.commands.options import apply_settings, settings_options

_CHANNEL_BY_TYPE = {"message/rfc822": "email", "text/plain": "letter"}


def _collect(paths: tuple[str, ...]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")))
        elif path.is_file():
            files.append(path)
        else:
            raise click.BadParameter(f"{raw}: Datei oder Verzeichnis nicht gefunden")
    return files


@click.command()
@settings_options
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--channel", type=click.Choice(["email", "letter", "webform", "phone"]), default=None,
              help="Kanal für alle Dateien (sonst nach Dateiart: .eml = email, sonst letter).")
@click.option("--received", "received_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Eingangsdatum (Eingangsstempel), z. B. 2026-11-20; sonst jetzt.")
def ingest(paths: tuple[str, ...], channel: str | None, received_on: datetime | None, **overrides) -> None:
    """Dateien als Vorgänge übernehmen: einen Poststapel, einen Testkorpus …

    Eingebettet (ohne Broker) läuft die Verarbeitung hier bis zum Ende; mit Broker werden
    die Vorgänge eingereiht und der Befehl kehrt sofort zurück.
    """
    from connectors.accept import accept
    from eingang.commands.serve import start_processing
    from extraction import sniff_media_type
    from store.db import upgrade_schema
    from store.enums import Channel
    from store.intake import Incoming

    settings = apply_settings(**overrides)
    upgrade_schema(settings)
    files = _collect(paths)
    runtime = start_processing(settings)

    received_at = (
        datetime.combine(received_on.date(), time(12, 0), tzinfo=UTC) if received_on else None
    )
    created = 0
    with click.progressbar(files, label="Übernehme", file=sys.stderr,
                           show_pos=True, hidden=len(files) < 2) as bar:
        for path in bar:
            content = path.read_bytes()
            media_type = sniff_media_type(content, path.name)
            incoming = Incoming(
                channel=Channel(channel or _CHANNEL_BY_TYPE.get(media_type, "letter")),
                content=content,
                media_type=media_type,
                received_at=received_at or datetime.now(UTC),
                filename=path.name,
                mailbox=f"ingest:{path.resolve().parent}",
                external_id=path.name,
                actor="cli:ingest",
            )
            _, new = accept(incoming, settings)
            created += new
    if runtime is not None:
        click.echo(f"{created} Vorgänge übernommen, Verarbeitung läuft …", err=True)
        runtime.drain()
        runtime.stop()
        click.echo(f"{created} neue Vorgänge verarbeitet ({len(files)} Dateien).")
    else:
        click.echo(f"{created} neue Vorgänge eingereiht ({len(files)} Dateien).")
