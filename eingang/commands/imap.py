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
    """IMAP-Postfächer abrufen (EINGANG_IMAP_MAILBOXES und die in der Verwaltung eingerichteten);
    Mails werden nach dem Speichern verschoben."""
    from connectors.imap import MailboxPoller
    from connectors.imap_supervisor import configured_mailboxes, start_pollers
    from eingang.commands.serve import start_processing

    settings = apply_settings(**overrides)
    mailboxes = configured_mailboxes(settings) if once else []
    if once and not mailboxes:
        raise click.ClickException("Keine IMAP-Postfächer eingerichtet (EINGANG_IMAP_MAILBOXES "
                                   "oder Verwaltung → Postfächer und Scanordner).")
    runtime = start_processing(settings)
    try:
        if once:
            for mailbox in mailboxes:
                result = MailboxPoller(mailbox, settings).poll_once()
                click.echo(
                    f"{mailbox.name}: {result.fetched} abgerufen, {result.created} neue Vorgänge"
                    + (" (anderer Prozess liest das Postfach)" if result.skipped_lease else "")
                )
            if runtime:
                runtime.drain()
            return
        # Keep running even with no mailbox yet: one added in the console is read within
        # imap_reload_seconds (and under honcho an exiting process would stop all the others).
        stop = threading.Event()
        threads = start_pollers(settings, stop)
        click.echo("IMAP-Eingang liest die eingerichteten Postfächer; die Liste wird alle "
                   f"{settings.imap_reload_seconds:.0f} s neu gelesen.")
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
