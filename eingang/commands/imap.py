"""``eingang imap``: read the configured IMAP mailboxes (IDLE or polling)."""

from __future__ import annotations

import click

from eingang.commands.options import apply_settings, settings_options


@click.command()
@settings_options
@click.option("--once", is_flag=True, help="Jedes Postfach einmal abrufen und beenden.")
def imap(once: bool, **overrides) -> None:
    """IMAP-Postfächer abrufen (EINGANG_IMAP_MAILBOXES und die in der Verwaltung eingerichteten);
    Mails werden nach dem Speichern verschoben."""
    from connectors.imap import MailboxPoller
    from connectors.imap_supervisor import configured_mailboxes
    from eingang.commands.serve import run_connector, start_processing

    settings = apply_settings(**overrides)
    if not once:
        # Keep running even with no mailbox yet: one added in the console is read within
        # imap_reload_seconds (and under honcho an exiting process would stop all the others).
        run_connector(settings, "imap", lambda _: "IMAP-Eingang liest die eingerichteten Postfächer; "
                      f"die Liste wird alle {settings.imap_reload_seconds:.0f} s neu gelesen.")
        return
    mailboxes = configured_mailboxes(settings)
    if not mailboxes:
        raise click.ClickException("Keine IMAP-Postfächer eingerichtet (EINGANG_IMAP_MAILBOXES "
                                   "oder Verwaltung → Postfächer und Scanordner).")
    runtime = start_processing(settings)
    try:
        for mailbox in mailboxes:
            result = MailboxPoller(mailbox, settings).poll_once()
            click.echo(
                f"{mailbox.name}: {result.fetched} abgerufen, {result.created} neue Vorgänge"
                + (" (anderer Prozess liest das Postfach)" if result.skipped_lease else "")
            )
        if runtime:
            runtime.drain()
    finally:
        if runtime:
            runtime.stop()
