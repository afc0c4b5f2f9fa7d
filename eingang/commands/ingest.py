"""``eingang ingest``: import files (.eml, .pdf, images, .txt) as items."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, time
from pathlib import Path

import click

from eingang.commands.options import apply_settings, settings_options


def _image_folders(paths: tuple[str, ...]) -> list[Path]:
    """Directories given that hold only page images: each is one batch of pages."""
    from connectors.upload import IMAGE_TYPES
    from extraction import sniff_media_type

    folders = []
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            continue
        files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
        if files and all(sniff_media_type(p.read_bytes()[:16], p.name) in IMAGE_TYPES for p in files):
            folders.append(path)
    return folders


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


def _needed(files: list[Path], image_folders: list[Path], channel: str | None) -> frozenset[str]:
    """The warm-up pieces (worker.warmup) that items of these files will use: the OCR pool for
    scans and PDFs, the extraction sandbox for mail and forms (worker.sandbox)."""
    from worker.sandbox import UNTRUSTED_CHANNELS

    suffixes = {f.suffix.lower() for f in files}
    needed = {"classifier", "rules", "templates"}
    if channel in UNTRUSTED_CHANNELS:  # read in the sandbox, which runs its OCR in its children
        return frozenset(needed | {"sandbox"})
    if image_folders or suffixes - {".eml", ".txt"}:
        needed.add("ocr")
    if channel is None and ".eml" in suffixes:  # a mail file without a channel is an e-mail
        needed.add("sandbox")
    return frozenset(needed)


@click.command()
@settings_options
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--channel", default=None,
              help="Kanal für alle Dateien, ein Schlüssel aus dem Katalog (email, letter, webform, "
                   "phone oder ein angelegter); sonst nach Dateiart: .eml = email, sonst letter.")
@click.option("--received", "received_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Eingangsdatum (Eingangsstempel), z. B. 2026-11-20; sonst jetzt.")
@click.option("--batch", is_flag=True,
              help="Poststapel: jede Datei (ein Verzeichnis nur aus Seitenbildern als Ganzes) "
                   "wird in Briefe aufgeteilt.")
@click.option("--every", "every_n", type=int, default=None,
              help="Poststapel zusätzlich alle N Seiten trennen.")
@click.option("--duplex", is_flag=True,
              help="Poststapel beidseitig gescannt: Leerseiten trennen keine Briefe.")
def ingest(paths: tuple[str, ...], channel: str | None, received_on: datetime | None,
           batch: bool, every_n: int | None, duplex: bool, **overrides) -> None:
    """Dateien als Vorgänge übernehmen: einen Poststapel, einen Testkorpus …

    Eingebettet (ohne Broker) läuft die Verarbeitung hier bis zum Ende; mit Broker werden
    die Vorgänge eingereiht und der Befehl kehrt sofort zurück.
    """
    settings = apply_settings(check_schema=False, **overrides)
    files = _collect(paths)
    image_folders = _image_folders(paths) if batch else []
    files = [f for f in files if not any(f.parent == d for d in image_folders)]
    needed = _needed(files, image_folders, channel) if settings.embedded_broker else frozenset()
    if needed:
        # The pipeline runs here: its process pools boot while the rest of the command loads
        # (they need no database), so that the first page is read as soon as it is stored.
        from worker import warmup

        warmup.start(settings, needed & warmup.PROCESS_POOLS)
    # The database layer only now: its imports (SQLAlchemy, the models: 0.45 s) held back the
    # request for the OCR processes, and the first page waited for them (issue 16).
    from store.catalogue import current_catalogue
    from store.db import upgrade_schema

    upgrade_schema(settings)
    known = current_catalogue(settings=settings).channel_keys
    if channel and channel not in known:
        raise click.BadParameter(f"Kanal „{channel}“ gibt es nicht (bekannt: {', '.join(known)}).",
                                 param_hint="--channel")
    from connectors.upload import Upload, accept_upload, images_to_pdf
    from eingang.commands.serve import start_processing

    runtime = start_processing(settings)
    rules: dict = {}
    if every_n:
        rules["every_n_pages"] = every_n
    if duplex:
        rules["blank_separates"] = False

    received_at = (
        datetime.combine(received_on.date(), time(12, 0), tzinfo=UTC) if received_on else None
    )
    created = 0

    def upload(content: bytes, path: Path) -> Upload:
        return Upload(
            content=content,
            filename=path.name,
            source=f"ingest:{path.resolve().parent}",
            actor="cli:ingest",
            external_id=path.name,
            received_at=received_at,
            channel=channel,
            batch=batch,
            split_rules=rules,
        )

    for folder in image_folders:
        pages = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
        content = images_to_pdf([p.read_bytes() for p in pages])
        _, new = accept_upload(upload(content, folder.with_suffix(".pdf")), settings)
        created += new
    with click.progressbar(files, label="Übernehme", file=sys.stderr,
                           show_pos=True, hidden=len(files) < 2) as bar:
        for path in bar:
            _, new = accept_upload(upload(path.read_bytes(), path), settings)
            created += new
    if needed:
        # The model and the rules while the first pages are read: loaded by the first item
        # instead, 30 scans held every worker thread for 4-6 s and the OCR stood idle (issue
        # 16); loaded before the files were taken in, it slowed the intake by its imports.
        warmup.start(settings, needed - warmup.PROCESS_POOLS)
    if runtime is not None:
        click.echo(f"{created} Vorgänge übernommen, Verarbeitung läuft …", err=True)
        runtime.drain()
        runtime.stop()
        click.echo(f"{created} neue Vorgänge verarbeitet ({len(files) + len(image_folders)} Dateien).")
    else:
        click.echo(f"{created} neue Vorgänge eingereiht ({len(files) + len(image_folders)} Dateien).")
