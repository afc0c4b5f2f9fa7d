"""„Verbindung testen“: log in to a mailbox as the poller would, and say in German what happened.

Connects with the mailbox's transport security, logs in, opens the folder read-only (nothing is
fetched, moved or flagged) and looks for the processed folder. Every failure becomes one
sentence an administrator can act on; the password never appears in it. Nothing the remote
side said (banners, error texts) is repeated: the test must not become a way to look at other
services on the internal network, so it answers with a category only and gives up quickly.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from dataclasses import dataclass

from imapclient import IMAPClient, SocketTimeout
from imapclient.exceptions import IMAPClientError, LoginError

from connectors import imap_oauth
from store.settings import ImapMailbox

TIMEOUT_SECONDS = 5.0  # to connect and get a greeting
# Servers delay the answer to a wrong password on purpose (Dovecot by up to 15 s after
# repeated failures): the login may take longer than the connection.
LOGIN_SECONDS = 10.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


def _context(box: ImapMailbox) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not box.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def check_connection(box: ImapMailbox, timeout: float = TIMEOUT_SECONDS) -> CheckResult:
    where = f"{box.host}:{box.port}"
    try:
        client = IMAPClient(box.host, port=box.port, ssl=box.security == "tls",
                            ssl_context=_context(box),
                            timeout=SocketTimeout(connect=timeout, read=LOGIN_SECONDS))
    except socket.gaierror:
        return CheckResult(False, f"Den Server „{box.host}“ gibt es nicht (Name nicht auflösbar).")
    except ConnectionRefusedError:
        return CheckResult(False, f"{where} lehnt die Verbindung ab: Servername und Port prüfen.")
    except TimeoutError:
        return CheckResult(False, f"{where} antwortet nicht (Zeitüberschreitung).")
    except ssl.SSLCertVerificationError:
        return CheckResult(False, f"Das TLS-Zertifikat von {box.host} ist nicht gültig.")
    except ssl.SSLError:
        return CheckResult(False, f"TLS-Verbindung zu {where} fehlgeschlagen: passen Port und "
                                  "Verschlüsselung zusammen (TLS meist 993, STARTTLS 143)?")
    except (OSError, IMAPClientError, ValueError):
        return CheckResult(False, f"Unter {where} antwortet kein IMAP-Server.")
    try:
        return _login_and_look(client, box)
    except TimeoutError:
        return CheckResult(False, f"{where} antwortet nicht (Zeitüberschreitung).")
    except (OSError, IMAPClientError, ValueError):
        return CheckResult(False, f"Unter {where} antwortet kein IMAP-Server.")
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # noqa: BLE001  (refused or already gone: just drop the socket)
        with contextlib.suppress(OSError):
            client.shutdown()


def _login_and_look(client: IMAPClient, box: ImapMailbox) -> CheckResult:
    try:
        if box.security == "starttls":
            if not client.has_capability("STARTTLS"):
                return CheckResult(False, f"{box.host} bietet kein STARTTLS an: Verschlüsselung "
                                          "„TLS“ (Port 993) wählen.")
            client.starttls(_context(box))
        if box.auth == "oauth2":
            client.oauth2_login(box.user, imap_oauth.access_token(box))
        else:
            client.login(box.user, box.password)
    except imap_oauth.TokenError as exc:  # our own German sentence about the token endpoint
        return CheckResult(False, f"Kein OAuth2-Zugangstoken: {exc}")
    except LoginError:
        return CheckResult(False, f"Anmeldung als „{box.user}“ abgelehnt: Benutzername oder "
                                  "Passwort stimmen nicht.")
    except ssl.SSLCertVerificationError:
        return CheckResult(False, f"Das TLS-Zertifikat von {box.host} ist nicht gültig.")
    except TimeoutError:
        raise
    except (OSError, IMAPClientError):
        return CheckResult(False, "Anmeldung fehlgeschlagen: der Server hat die Anmeldung nicht "
                                  "wie ein IMAP-Server beantwortet.")
    try:
        selected = client.select_folder(box.folder, readonly=True)
    except IMAPClientError:
        return CheckResult(False, f"Angemeldet, aber den Ordner „{box.folder}“ gibt es in diesem "
                                  "Postfach nicht.")
    count = int(selected.get(b"EXISTS", 0))
    message = (f"Verbindung erfolgreich: angemeldet als „{box.user}“, Ordner „{box.folder}“ "
               f"mit {count} {'Nachricht' if count == 1 else 'Nachrichten'}.")
    if box.processed_folder:
        if client.folder_exists(box.processed_folder):
            message += f" Verarbeitete Mails kommen nach „{box.processed_folder}“."
        else:
            message += f" Der Ordner „{box.processed_folder}“ wird beim ersten Abruf angelegt."
    if box.security == "none":
        message += " Achtung: ohne Verschlüsselung laufen Passwort und Mails im Klartext."
    return CheckResult(True, message)
