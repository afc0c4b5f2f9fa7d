"""``eingang imap``: read the configured IMAP mailboxes (IDLE or polling)."""

from __future__ import annotations

import signal
import threading

import click

from eingang.commands.options import apply_settings, settings_options


@click.command()
@settings_options
@click.option("--once", is_flag=True, help="Jedes Postfach einmal abrufen und beenden.")
def imap(once: bool, **overrides) -> None:
    """IMAP-Postfächer abrufen (EINGANG_IMAP_MAILBOXES); Mails werden nach dem Speichern verschoben."""
    from connectors.imap import MailboxPoller, start_pollers
    from eingang.commands.serve import start_processing

    settings = apply_settings(**overrides)
    if not settings.imap_mailboxes:
        if once:
            raise click.ClickException("Keine IMAP-Postfächer konfiguriert (EINGANG_IMAP_MAILBOXES).")
        # Stay up doing nothing: under honcho an exiting process would stop all the others.
        click.echo("Keine IMAP-Postfächer konfiguriert (EINGANG_IMAP_MAILBOXES); nichts zu tun.")
        _wait(threading.Event())
        return
    runtime = start_processing(settings)
    try:
        if once:
            for mailbox in settings.imap_mailboxes:
                result = MailboxPoller(mailbox, settings).poll_once()
                click.echo(
                    f"{mailbox.name}: {result.fetched} abgerufen, {result.created} neue Vorgänge"
                    + (" (anderer Prozess liest das Postfach)" if result.skipped_lease else "")
                )
            if runtime:
                runtime.drain()
            return
        stop = threading.Event()
        threads = start_pollers(settings, stop)
        names = ", ".join(m.name for m in settings.imap_mailboxes)
        click.echo(f"IMAP-Eingang liest {len(threads)} Postfach/Postfächer: {names}")
        _wait(stop)
        for thread in threads:
            thread.join(timeout=30)
    finally:
        if runtime:
            runtime.stop()


def _wait(stop: threading.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
