"""The connectors by name, and the list ``eingang serve`` runs in start order: adding a channel
is one line in :data:`CONNECTORS`. The single-purpose commands (``eingang smtp``, ``imap``,
``scan-folder``, ``fitconnect``, ``web``) start one of them from the same table.

The web form, the API and phone notes come in through the web port (connectors.webform), the
last in the list: the composition root hands it the web app, which serves the staff pages on
the same port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

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


def _scan(settings: Settings) -> Connector:
    from connectors import scanfolder

    return LoopConnector("scan", scanfolder.run, settings)


def _fitconnect(settings: Settings) -> Connector:
    from connectors import fitconnect

    return LoopConnector("fitconnect", fitconnect.run, settings)


def _webform(settings: Settings, **options: Any) -> Connector:
    from connectors.webform import WebformConnector

    return WebformConnector(settings, **options)


# name → how to make the connector from the settings, in the order ``serve`` starts them.
CONNECTORS: dict[str, Callable[..., Connector]] = {
    "smtp": SmtpConnector,
    "scan": _scan,
    "imap": ImapConnector,
    "fitconnect": _fitconnect,
    "webform": _webform,  # options: app (the web app), port, options (uvicorn's)
}


def connector(settings: Settings, name: str, **options: object) -> Connector:
    """One connector by name (``options``: e.g. the SMTP port chosen on the command line)."""
    if name not in CONNECTORS:
        raise KeyError(f"unknown connector {name!r} (known: {', '.join(CONNECTORS)})")
    return CONNECTORS[name](settings, **options)  # type: ignore[call-arg]


def serve_connectors(settings: Settings, **options: dict[str, Any]) -> list[Connector]:
    """Every connector the settings switch on (the scan folders unless scan_watch is off);
    ``options``: by connector name, e.g. ``smtp={"port": 2626}``, ``webform={"app": app}``."""
    return [connector(settings, name, **options.get(name, {}))
            for name in CONNECTORS if name != "scan" or settings.scan_watch]
