"""``eingang export-person``: Auskunft nach Art. 15 DSGVO — all items of one person as a ZIP."""

from __future__ import annotations

from pathlib import Path

import click

from eingang.commands.audit import cli_actor
from eingang.commands.options import apply_settings, settings_options


@click.command("export-person")
@settings_options
@click.option("--email", help="E-Mail-Adresse der Person.")
@click.option("--name", help="Name (oder Teil davon) der Person.")
@click.option("--identifier", help="BG-Nummer, Kundennummer, Aktenzeichen oder Referenz.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Ziel-ZIP-Datei.")
def export_person(email, name, identifier, output: Path, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Alle Vorgänge einer Person exportieren (Auskunft nach Art. 15 DSGVO, protokolliert)."""
    from store.blobs import BlobStore
    from store.db import session_scope
    from store.person_export import PersonQuery
    from store.person_export import export_person as run_export

    settings = apply_settings(**overrides)
    query = PersonQuery(email=email, name=name, identifier=identifier)
    try:
        with session_scope(settings) as session:
            data, count = run_export(session, BlobStore(settings.blob_dir), query, cli_actor())
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(data)
    click.echo(f"{count} Vorgänge nach {output} exportiert.")
