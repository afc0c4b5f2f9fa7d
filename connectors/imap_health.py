"""A mailbox poller's state for ``/health``: ok after every poll, the failure otherwise.

The failure is one German sentence by category (as the console's connection test gives it);
nothing the server said and no user name, so the detail can be shown to any operator.
"""

from __future__ import annotations

import logging
import socket
import ssl

from imapclient.exceptions import IMAPClientError, LoginError

from connectors.imap_state import LeaseLost
from store import health_state
from store.db import session_scope
from store.settings import Settings

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    if isinstance(exc, socket.gaierror):
        return "Servername nicht auflösbar."
    if isinstance(exc, ConnectionRefusedError):
        return "Der Server lehnt die Verbindung ab."
    if isinstance(exc, TimeoutError | socket.timeout):
        return "Der Server antwortet nicht (Zeitüberschreitung)."
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "Das TLS-Zertifikat des Servers ist nicht gültig."
    if isinstance(exc, ssl.SSLError):
        return "TLS-Verbindung fehlgeschlagen."
    if isinstance(exc, LoginError):
        return "Anmeldung abgelehnt (Benutzername, Passwort oder Token)."
    if isinstance(exc, IMAPClientError):
        return "Der IMAP-Server hat einen Befehl abgelehnt."
    if isinstance(exc, ConnectionError | EOFError | OSError):
        return "Die Verbindung zum Server ist abgebrochen."
    return f"Abruf fehlgeschlagen ({type(exc).__name__})."


def polled(settings: Settings, name: str, fetched: int) -> None:
    detail = f"Abruf erfolgreich, {fetched} neue E-Mail(s)." if fetched else "Abruf erfolgreich."
    _report(settings, name, health_state.OK, detail)


def failed(settings: Settings, name: str, exc: BaseException) -> None:
    if isinstance(exc, LeaseLost):
        return  # another poller has it now and reports for it
    _report(settings, name, health_state.FAIL, describe(exc))


def _report(settings: Settings, name: str, status: str, detail: str) -> None:
    try:
        with session_scope(settings) as session:
            health_state.report(session, health_state.MAILBOX, name, status, detail)
    except Exception as exc:  # the database away: the poller itself must go on
        log.warning("IMAP %s: state not recorded (%s)", name, type(exc).__name__)
