"""The connectors ``eingang serve`` runs, in start order: adding a channel is one line here.

The web form, the API and phone notes are the web app's connector (connectors.webform, served
by admin/ on the web port), so they are not in this list.
"""

from __future__ import annotations

import threading

from connectors.base import Connector, LoopConnector
from store.settings import Settings


class SmtpConnector:
    """The SMTP server (aiosmtpd runs its own event-loop thread)."""

    name = "smtp"

    def __init__(self, settings: Settings, port: int | None = None) -> None:
        from connectors.smtp import make_controller

        self.controller = make_controller(settings, port)

    @property
    def port(self) -> int:
        return self.controller.port

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        self.controller.start()

        def stop_when_asked() -> None:
            stop.wait()
            self.controller.stop()

        watcher = threading.Thread(target=stop_when_asked, name="eingang-smtp-stop", daemon=True)
        watcher.start()
        return [watcher]


class ImapConnector:
    """One supervisor keeping a poller per configured mailbox."""

    name = "imap"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        from connectors.imap_supervisor import start_pollers

        return start_pollers(self.settings, stop)


def serve_connectors(settings: Settings, smtp_port: int | None = None) -> list[Connector]:
    from connectors import fitconnect, scanfolder

    connectors: list[Connector] = [SmtpConnector(settings, smtp_port)]
    if settings.scan_watch:
        connectors.append(LoopConnector("scan", scanfolder.run, settings))
    connectors.append(ImapConnector(settings))
    connectors.append(LoopConnector("fitconnect", fitconnect.run, settings))
    return connectors
