"""``eingang backup`` and ``eingang restore`` (services.backup)."""

from __future__ import annotations

from pathlib import Path

import click

from eingang.commands.options import apply_settings, settings_options


@click.command()
@click.argument("target", type=click.Path(path_type=Path))
@settings_options
def backup(target: Path, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Sicherung (Datenbank, Originale, Prüfsummen) nach TARGET schreiben; der Dienst läuft weiter."""
    from services.backup import BackupError
    from services.backup import backup as write_backup

    settings = apply_settings(check_schema=False, **overrides)
    try:
        summary = write_backup(settings, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    megabytes = f"{summary.bytes / 1e6:.1f}".replace(".", ",")  # the path may hold a dot
    click.echo(f"Sicherung in {summary.path}: Datenbank ({summary.database}), {summary.blobs} Dateien, "
               f"{megabytes} MB{_spooled(summary.spooled)}")


def _spooled(segments: int) -> str:
    """Mail answered 250 and not yet stored as items travels in the spool's segment files."""
    if not segments:
        return ""
    files = "1 Datei" if segments == 1 else f"{segments} Dateien"
    return f", dazu {files} mit angenommenen, noch nicht abgelegten Mails"


@click.command()
@click.argument("source", type=click.Path(path_type=Path, exists=True, file_okay=False))
@settings_options
def restore(source: Path, **overrides) -> None:  # type: ignore[no-untyped-def]
    """Sicherung aus SOURCE in eine leere Installation zurückspielen (Prüfsummen zuerst)."""
    from services.backup import BackupError
    from services.backup import restore as read_backup

    settings = apply_settings(check_schema=False, **overrides)
    try:
        summary = read_backup(settings, source)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Wiederhergestellt: Datenbank ({summary.database}), {summary.blobs} Dateien"
               f"{_spooled(summary.spooled)}. Danach: eingang db upgrade, eingang audit verify, eingang counts check.")
