"""Keeps one poller thread per mailbox in step with the configured list.

The list (``EINGANG_IMAP_MAILBOXES`` plus the mailboxes of the admin console) is re-read every
``imap_reload_seconds``: a new or re-activated mailbox gets a poller, a removed or deactivated
one loses it, a changed one (host, password, folder …) is restarted with its new settings.
No restart of the process is needed. A stopped poller releases its lease, so its successor,
here or in another process, continues from the same bookmark.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from connectors.imap import MailboxPoller
from store.settings import ImapMailbox, Settings

log = logging.getLogger(__name__)

STOP_JOIN_SECONDS = 10.0


def configured_mailboxes(settings: Settings) -> list[ImapMailbox]:
    from store.channel_config import active_mailboxes
    from store.db import session_scope

    with session_scope(settings) as session:
        return active_mailboxes(session, settings)


@dataclass
class _Running:
    mailbox: ImapMailbox
    stop: threading.Event
    thread: threading.Thread


class PollerSupervisor:
    def __init__(
        self,
        settings: Settings,
        source: Callable[[Settings], list[ImapMailbox]] = configured_mailboxes,
        poller_factory: Callable[[ImapMailbox, Settings], object] | None = None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.poller_factory = poller_factory or MailboxPoller
        self.running: dict[str, _Running] = {}

    @property
    def names(self) -> list[str]:
        return sorted(self.running)

    def sync(self) -> None:
        """Start, stop and restart pollers to match the list as it is now."""
        wanted = {box.name: box for box in self.source(self.settings)}
        for name in list(self.running):
            current = self.running[name]
            if wanted.get(name) != current.mailbox or not current.thread.is_alive():
                self._stop(name)
        for name, box in wanted.items():
            if name not in self.running:
                self._start(box)

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    self.sync()
                except Exception as exc:  # database away for a moment: keep what runs
                    log.warning("IMAP: mailbox list not re-read (%s); keeping %s", exc, self.names)
                stop.wait(self.settings.imap_reload_seconds)
        finally:
            self.stop_all()

    def stop_all(self) -> None:
        for running in self.running.values():
            running.stop.set()
        for name in list(self.running):
            self._stop(name)

    def _start(self, box: ImapMailbox) -> None:
        poller = self.poller_factory(box, self.settings)
        stop = threading.Event()
        thread = threading.Thread(target=poller.run, args=(stop,),  # type: ignore[attr-defined]
                                  name=f"imap-{box.name}", daemon=True)
        thread.start()
        self.running[box.name] = _Running(box, stop, thread)
        log.info("IMAP %s: reading %s@%s:%s/%s", box.name, box.user, box.host, box.port, box.folder)

    def _stop(self, name: str) -> None:
        running = self.running.pop(name)
        running.stop.set()
        running.thread.join(timeout=STOP_JOIN_SECONDS)
        log.info("IMAP %s: poller stopped", name)


def start_pollers(settings: Settings, stop: threading.Event) -> list[threading.Thread]:
    """Read every configured mailbox (environment and admin console) until ``stop`` is set.

    One supervisor thread keeps a poller per mailbox and re-reads the list every
    ``imap_reload_seconds`` (this module), so console changes need no restart.
    """
    supervisor = PollerSupervisor(settings)
    thread = threading.Thread(target=supervisor.run, args=(stop,), name="imap-supervisor", daemon=True)
    thread.start()
    return [thread]


def run_pollers(settings: Settings, stop: threading.Event) -> None:
    """Read all configured mailboxes until ``stop`` is set (for ``eingang imap`` and serve)."""
    for thread in start_pollers(settings, stop):
        thread.join()
