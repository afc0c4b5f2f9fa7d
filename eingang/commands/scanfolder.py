"""``eingang scan-folder``: watch the scan folders (hot folders) of the mailroom."""

from __future__ import annotations

import click

from eingang.commands.options import apply_settings, settings_options


@click.command("scan-folder")
@settings_options
@click.option("--once", is_flag=True, help="Nur einen Durchgang machen (z. B. aus cron).")
def scan_folder(once: bool, **overrides) -> None:
    """Scan-Ordner überwachen: fertig geschriebene Dateien als Poststapel übernehmen."""
    from connectors import scanfolder
    from eingang.commands.serve import run_connector, start_processing
    from store.db import upgrade_schema

    settings = apply_settings(check_schema=False, **overrides)
    upgrade_schema(settings)
    if not once:
        run_connector(settings, "scan", lambda _: f"Scan-Ordner unter {settings.scan_path.resolve()} "
                      "werden überwacht.", join_seconds=10)
        return
    runtime = start_processing(settings)
    try:
        folders = scanfolder.ScanFolders(settings)
        folders.poll()
        if runtime is not None:  # embedded: process here, then move finished files on
            runtime.drain()
            folders.poll()
    finally:
        if runtime is not None:
            runtime.stop()
