"""The web-form connector: the public form, an API submission or a phone note becomes an
``Incoming`` like any other channel and is handed to the intake gateway (:func:`hand_over`).

The web app's routes (admin/routes: public, api, phone) are thin adapters: they read the HTTP
request into a :class:`Submission`, call :func:`hand_over` and answer. The connector itself,
:class:`WebformConnector`, serves the web port in the list ``eingang serve`` runs
(connectors.channels); the composition root hands it the web app, which serves the staff pages
on the same port.

The original is a MIME message built from what was submitted (text plus files), so the
extraction reads it like a mail and the original stays exactly what the citizen sent.
"""

from __future__ import annotations

import errno
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any

from email_validator import EmailNotValidError, validate_email

from connectors.gateway import accept
from connectors.readable import unreadable_reason
from extraction.names import display_filename
from store.db import session_scope
from store.intake import Incoming
from store.models import Item
from store.settings import Settings

MAX_TEXT = 20_000
MAX_FILES = 5
BAD_EMAIL = "Bitte geben Sie genau eine gültige E-Mail-Adresse an (zum Beispiel name@beispiel.de)."
# Line breaks of every kind, controls and NUL: in a one-line field they only ever smuggle
# (header injection, a NUL that PostgreSQL refuses); they become a space.
_LINE_BREAKERS = {c: " " for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]}
# In free text line breaks and tabs stay; NUL and the other controls go.
_TEXT_CONTROLS = {c: None for c in [*range(0x20), 0x7F] if chr(c) not in "\t\n\r"}


def one_line(value: str) -> str:
    return value.translate(_LINE_BREAKERS).strip()


def clean_text(value: str) -> str:
    return value.translate(_TEXT_CONTROLS)


def checked_email(value: str) -> str:
    """Exactly one syntactically valid address in its normalised ASCII form, or SubmissionError
    (no lists, no quoting, no control or line-separator characters)."""
    value = value.strip(" \t")
    if len(value) > 254:
        raise SubmissionError(BAD_EMAIL)
    try:
        result = validate_email(value, check_deliverability=False, allow_smtputf8=False,
                                allow_quoted_local=False, allow_domain_literal=False)
    except EmailNotValidError as exc:
        raise SubmissionError(BAD_EMAIL) from exc
    return result.ascii_email or result.normalized


class SubmissionError(Exception):
    """The submission cannot be taken; the message (German) tells the citizen what to fix."""


@dataclass
class Upload:
    filename: str
    media_type: str
    content: bytes


@dataclass
class Submission:
    text: str
    name: str = ""
    email: str = ""
    phone: str = ""
    postcode: str = ""
    topic: str = ""
    identifiers: str = ""
    answers: dict[str, Any] = field(default_factory=dict)
    files: list[Upload] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Cleaned at the boundary, once, for the form and the API alike; the address is
        # checked as it was sent (see validate), never repaired into something else.
        self.text = clean_text(self.text)
        for name in ("name", "phone", "postcode", "topic", "identifiers"):
            setattr(self, name, one_line(getattr(self, name)))
        for upload in self.files:
            upload.filename = one_line(upload.filename)


def validate(sub: Submission, max_bytes: int) -> None:
    if not sub.text.strip():
        raise SubmissionError("Bitte beschreiben Sie Ihr Anliegen im Textfeld.")
    if len(sub.text) > MAX_TEXT:
        raise SubmissionError(f"Der Text ist zu lang (höchstens {MAX_TEXT} Zeichen).")
    if sub.email.strip(" \t"):
        sub.email = checked_email(sub.email)
    else:
        sub.email = ""
    if sub.postcode and not (sub.postcode.isdigit() and len(sub.postcode) == 5):
        raise SubmissionError("Die Postleitzahl muss aus fünf Ziffern bestehen.")
    if len(sub.files) > MAX_FILES:
        raise SubmissionError(f"Bitte höchstens {MAX_FILES} Dateien anhängen.")
    if sum(len(f.content) for f in sub.files) + len(sub.text) > max_bytes:
        raise SubmissionError(f"Die Dateien sind zu groß (zusammen höchstens {max_bytes // (1024 * 1024)} MB).")
    for upload in sub.files:
        if reason := unreadable_reason(upload.filename, upload.content):
            raise SubmissionError(reason)


def _clean_header(value: str, limit: int = 200) -> str:
    return " ".join(value.split())[:limit]


def to_incoming(sub: Submission, channel: str, received_at: datetime, source: str,
                actor: str, subject: str) -> Incoming:
    msg = EmailMessage()
    # A From header only with an address: a bare name ("Frau Gerda Lübben") is no address, and
    # a mail parser reads its first word as one ("Frau"). The name travels in sender_name.
    try:  # formataddr quotes a name such as "." or "Müller, Anna" as RFC 5322 wants
        if sub.email:
            msg["From"] = formataddr((_clean_header(sub.name), _clean_header(sub.email, 254)))
    except (ValueError, TypeError, AttributeError, IndexError):
        del msg["From"]  # kept in the body and in ``contact``; the header is only a convenience
    msg["To"] = source
    msg["Subject"] = _clean_header(subject)
    msg["Date"] = format_datetime(received_at)
    lines = [sub.text.strip(), ""]
    details = [("Name", sub.name), ("E-Mail", sub.email), ("Telefon", sub.phone),
               ("Postleitzahl", sub.postcode), ("Aktenzeichen/Kundennummer", sub.identifiers)]
    lines += [f"{label}: {value}" for label, value in details if value]
    msg.set_content("\n".join(lines))
    for n, upload in enumerate(sub.files, 1):
        maintype, _, subtype = (upload.media_type or "application/octet-stream").partition("/")
        msg.add_attachment(upload.content, maintype=maintype or "application",
                           subtype=subtype or "octet-stream",
                           filename=display_filename(upload.filename, f"anhang-{n}"))
    contact = {k: v for k, v in (("name", sub.name), ("email", sub.email), ("phone", sub.phone),
                                  ("postcode", sub.postcode), ("identifiers", sub.identifiers)) if v}
    if sub.answers:
        contact["answers"] = sub.answers
    return Incoming(
        channel=channel, content=msg.as_bytes(), media_type="message/rfc822",
        received_at=received_at.astimezone(UTC), sender=sub.email or None,
        sender_name=sub.name or None, subject=_clean_header(subject), mailbox=source,
        contact=contact, actor=actor,
    )


@dataclass(frozen=True)
class Receipt:
    """What the citizen (or the member of staff) is told: the item's reference."""

    item_id: int
    reference: str


def hand_over(sub: Submission, settings: Settings, *, channel: str, received_at: datetime,
              source: str, actor: str, subject: str) -> Receipt:
    """Check the submission, make its original and hand it to the intake gateway; the receipt
    once it is stored. Raises :class:`SubmissionError` (German, for the citizen) before
    anything is stored, and what the gateway raises when storage fails (the route answers 503)."""
    validate(sub, settings.form_max_bytes)
    item_id, _ = accept(to_incoming(sub, channel, received_at, source, actor, subject), settings)
    with session_scope(settings) as session:
        reference = session.get(Item, item_id).reference or ""
    return Receipt(item_id, reference)


class WebformConnector:
    """The web port: the form, the API and phone notes come in here (:func:`hand_over`); the
    ASGI app given by the composition root serves them together with the staff pages.

    uvicorn runs in a thread of its own; ``start`` returns once it listens (or raises, in
    German, when it cannot, e.g. the port is taken), and it shuts down gracefully when ``stop``
    is set."""

    name = "webform"

    def __init__(self, settings: Settings, app: Any, port: int | None = None,
                 options: dict[str, Any] | None = None) -> None:
        import uvicorn

        self.host = settings.web_host
        self.port = port or settings.web_port
        config = uvicorn.Config(app, host=self.host, port=self.port,
                                **{"log_level": "warning", **(options or {})})
        self.server = uvicorn.Server(config)
        self.failure: str | None = None

    def _serve(self) -> None:
        try:
            self.server.run()
        except SystemExit as exit_:
            # uvicorn ends with sys.exit when it cannot start (inside the handler of the
            # OSError of its bind, so that is the exit's context): the connector's failure,
            # for start() to report, not an unhandled exception of a dying thread.
            self.failure = startup_failure(self.host, self.port, exit_.__context__)

    def start(self, stop: threading.Event) -> list[threading.Thread]:
        serving = threading.Thread(target=self._serve, name="eingang-web", daemon=True)
        serving.start()
        while not self.server.started:
            if not serving.is_alive():
                raise RuntimeError(self.failure or startup_failure(self.host, self.port, None))
            time.sleep(0.05)

        def stop_when_asked() -> None:
            stop.wait()
            self.server.should_exit = True

        watcher = threading.Thread(target=stop_when_asked, name="eingang-web-stop", daemon=True)
        watcher.start()
        return [serving, watcher]


def startup_failure(host: str, port: int, cause: BaseException | None) -> str:
    """Why the web port could not be opened, in German for whoever started eingang."""
    prefix = "Die Weboberfläche konnte nicht starten"
    if isinstance(cause, OSError):
        if cause.errno == errno.EADDRINUSE:
            return f"{prefix}: Port {port} ist schon belegt (läuft eingang dort bereits?)."
        if cause.errno == errno.EACCES:
            return f"{prefix}: keine Berechtigung für Port {port} (Ports unter 1024 brauchen Administratorrechte)."
        if cause.errno == errno.EADDRNOTAVAIL:
            return f"{prefix}: die Adresse {host} gibt es auf diesem Rechner nicht."
        return f"{prefix}: {host}:{port} ließ sich nicht öffnen; die Meldung davor im Protokoll nennt den Grund."
    return f"{prefix} (Port {port}); die Meldung davor im Protokoll nennt den Grund."
