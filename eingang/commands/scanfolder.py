"""``eingang scan-folder``: watch the scan folders (hot folders) of the mailroom."""

from __future__ import annotations

import threading

import click

from eingang.commands.options import apply_settings, settings_options


@click.command("scan-folder")
@settings_options
@click.option("--once", is_flag=True, help="Nur einen Durchgang machen (z. B. aus cron).")
def scan_folder(once: bool, **overrides) -> None:
    """Scan-Ordner überwachen: fertig geschriebene Dateien als Poststapel übernehmen."""
    from connectors import scanfolder
    from eingang.commands.serve import _wait_for_signal, start_processing
    from store.db import upgrade_schema

    settings = apply_settings(**overrides)
    upgrade_schema(settings)
    runtime = start_processing(settings)
    try:
        if once:
            folders = scanfolder.ScanFolders(settings)
            folders.poll()
            if runtime is not None:  # embedded: process here, then move finished files on
                runtime.drain()
                folders.poll()
            return
        stop = threading.Event()
        watcher = threading.Thread(target=scanfolder.run, args=(settings, stop), daemon=True)
        watcher.start()
        click.echo(f"Scan-Ordner unter {settings.scan_path.resolve()} werden überwacht.")
        try:
            _wait_for_signal()
        finally:
            stop.set()
            watcher.join(timeout=10)
    finally:
        if runtime is not None:
            runtime.stop()
