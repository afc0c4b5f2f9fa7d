"""Intake channels set up in the admin console: IMAP mailboxes and scan folders.

Both exist in two kinds: from the environment (``EINGANG_IMAP_MAILBOXES``,
``EINGANG_SCAN_WORKPLACES``; read-only in the console, so existing deployments keep working)
and from the database (edited in the console). The connectors re-read the combined list while
they run, so a change takes effect without a restart.

Validation answers with German messages per form field (:class:`ConfigError`); every change
is an event and an audit entry (``config.mailbox_saved`` …) without the password.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import secretbox
from store.events import record
from store.models import MailboxConfig, ScanFolderConfig
from store.settings import ImapMailbox, Settings

log = logging.getLogger(__name__)


class _Named(Protocol):
    name: str


T = TypeVar("T", bound=_Named)
R = TypeVar("R", bound=_Named)

SECURITY_LABELS = {"tls": "TLS (verschlüsselt ab dem ersten Byte, meist Port 993)",
                   "starttls": "STARTTLS (Port 143, dann verschlüsselt)",
                   "none": "keine Verschlüsselung (nur für Tests im lokalen Netz)"}
DEFAULT_PORTS = {"tls": 993, "starttls": 143, "none": 143}
_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_PATH_PART = re.compile(r"[\wÄÖÜäöüß][\wÄÖÜäöüß .-]{0,63}")
# Subfolders of every scan folder (connectors.scanfolder): never a scan folder themselves.
SCAN_SUBDIRS = frozenset({"processing", "done", "failed"})


class ConfigError(Exception):
    """Form input refused; ``errors`` maps each field to its German message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def with_console_rows(environment: list[T], rows: Iterable[R], convert: Callable[[R], T],
                      what: str, secret: str) -> list[T]:
    """The environment's channels, then the console's ``rows`` converted by ``convert``. A row
    named like an environment channel is left out (the environment wins), and so is one whose
    stored ``secret`` does not decrypt (secret key changed), each with a log line; the console
    shows why."""
    found = list(environment)
    taken = {channel.name for channel in found}
    for row in rows:
        if row.name in taken:
            log.warning("%s %s is configured twice; the environment's wins", what, row.name)
            continue
        try:
            found.append(convert(row))
        except secretbox.SecretUnreadable:
            log.warning("%s %s: stored %s unreadable (secret key changed?)", what, row.name, secret)
    return found


def poll_interval(text: str, errors: dict[str, str], low: int) -> float | None:
    """The optional polling interval in seconds from the form (a comma for the decimal point
    too); one outside ``low`` to a day is an error on the field."""
    text = text.replace(",", ".")
    if not text:
        return None
    try:
        interval = float(text)
    except ValueError:
        interval = -1
    if not low <= interval <= 86400:
        errors["poll_interval"] = f"Abrufabstand in Sekunden angeben ({low} bis 86400), leer = Standard."
    return interval


# --- mailboxes --------------------------------------------------------------------------


@dataclass
class MailboxEntry:
    """One row of the console's mailbox list (no password in it)."""

    name: str
    host: str
    port: int
    security: str
    verify_tls: bool
    user: str
    folder: str
    processed_folder: str | None
    address: str | None
    queue_hint: str | None
    poll_interval: float | None
    active: bool
    from_environment: bool
    has_password: bool
    problem: str | None = None  # e.g. the password does not decrypt any more


def to_imap_mailbox(row: MailboxConfig, settings: Settings) -> ImapMailbox:
    """The connector's view of a console mailbox (raises SecretUnreadable)."""
    return ImapMailbox(
        name=row.name, host=row.host, port=row.port, security=row.security,  # type: ignore[arg-type]
        verify_tls=row.verify_tls, user=row.username,
        password=secretbox.decrypt(row.password_encrypted, settings.secret_key),
        folder=row.folder, processed_folder=row.processed_folder, address=row.address,
        queue_hint=row.queue_hint, poll_interval=row.poll_interval,
    )


def mailbox_entries(session: Session, settings: Settings) -> list[MailboxEntry]:
    entries = [
        MailboxEntry(name=b.name, host=b.host, port=b.port, security=b.security,
                     verify_tls=b.verify_tls, user=b.user, folder=b.folder,
                     processed_folder=b.processed_folder, address=b.address,
                     queue_hint=b.queue_hint, poll_interval=b.poll_interval, active=True,
                     from_environment=True, has_password=bool(b.password))
        for b in settings.imap_mailboxes
    ]
    for row in session.scalars(select(MailboxConfig).order_by(MailboxConfig.name)):
        problem = None
        try:
            secretbox.decrypt(row.password_encrypted, settings.secret_key)
        except secretbox.SecretUnreadable as exc:
            problem = str(exc)
        entries.append(MailboxEntry(
            name=row.name, host=row.host, port=row.port, security=row.security,
            verify_tls=row.verify_tls, user=row.username, folder=row.folder,
            processed_folder=row.processed_folder, address=row.address, queue_hint=row.queue_hint,
            poll_interval=row.poll_interval, active=row.active, from_environment=False,
            has_password=bool(row.password_encrypted), problem=problem))
    return entries


def active_mailboxes(session: Session, settings: Settings) -> list[ImapMailbox]:
    """Every mailbox to read now: the environment's, then the console's active ones.

    A console mailbox whose password does not decrypt (secret key changed) is left out with a
    log line; the console shows why.
    """
    rows = session.scalars(select(MailboxConfig).where(MailboxConfig.active.is_(True))
                           .order_by(MailboxConfig.name))
    return with_console_rows(settings.imap_mailboxes, rows,
                             lambda row: to_imap_mailbox(row, settings), "IMAP mailbox", "password")


def _text(values: dict[str, Any], key: str, limit: int = 255) -> str:
    return str(values.get(key) or "").strip()[:limit]


def clean_mailbox(values: dict[str, Any], *, new: bool, queues: dict[str, str],
                  settings: Settings, existing: MailboxConfig | None) -> dict[str, Any]:
    """Checked field values for a mailbox (password: None = keep the stored one)."""
    errors: dict[str, str] = {}
    name = _text(values, "name", 200).lower()
    if new:
        if not _NAME.fullmatch(name):
            errors["name"] = ("Name angeben: Kleinbuchstaben, Ziffern, Punkt, Binde- oder "
                              "Unterstrich (höchstens 64 Zeichen), z. B. „wohngeld“.")
        elif name in {b.name for b in settings.imap_mailboxes}:
            errors["name"] = f"Den Namen „{name}“ trägt schon ein Postfach aus der Konfiguration."
        elif existing is not None:
            errors["name"] = f"Ein Postfach „{name}“ gibt es schon."
    host = _text(values, "host")
    if not host or any(c.isspace() for c in host) or "/" in host:
        errors["host"] = "Servernamen angeben, z. B. imap.stadt-oldenburg.de (ohne https://)."
    security = _text(values, "security") or "tls"
    if security not in SECURITY_LABELS:
        errors["security"] = "Verschlüsselung wählen: TLS, STARTTLS oder keine."
    port_text = _text(values, "port")
    port = DEFAULT_PORTS.get(security, 993)
    if port_text:
        if port_text.isdigit() and 1 <= int(port_text) <= 65535:
            port = int(port_text)
        else:
            errors["port"] = "Port als Zahl von 1 bis 65535 angeben (TLS meist 993, STARTTLS 143)."
    user = _text(values, "user", 320)
    if not user:
        errors["user"] = "Benutzernamen für die Anmeldung am Postfach angeben."
    password = str(values.get("password") or "")
    verify_tls = bool(values.get("verify_tls"))
    if not password and (existing is None or not existing.password_encrypted):
        errors["password"] = "Passwort angeben."
    elif not password and _exposes_password(existing, host, port, security, verify_tls):
        # The stored password goes only where it went before, at least as well protected:
        # otherwise anyone with console access could send it to a listener of their own.
        errors["password"] = ("Passwort erneut angeben: Server, Port oder Verschlüsselung wurden "
                              "geändert, das gespeicherte Passwort wird dafür nicht verwendet.")
    elif len(password) > 1000:
        errors["password"] = "Das Passwort ist zu lang."
    folder = _text(values, "folder") or "INBOX"
    processed = _text(values, "processed_folder") or None
    if processed and processed == folder:
        errors["processed_folder"] = ("Der Ordner für verarbeitete Mails muss ein anderer sein als "
                                      "der abgerufene Ordner.")
    address = _text(values, "address", 320).lower() or None
    if address and (address.count("@") != 1 or any(c.isspace() for c in address)):
        errors["address"] = "Die Adresse des Postfachs angeben, z. B. wohngeld@stadt-oldenburg.de."
    queue_hint = _text(values, "queue_hint", 32) or None
    if queue_hint and queue_hint not in queues:
        errors["queue_hint"] = "Eine der Zuständigkeiten wählen (oder keine)."
    interval = poll_interval(_text(values, "poll_interval"), errors, low=5)
    if errors:
        raise ConfigError(errors)
    return {"name": name or (existing.name if existing else ""), "host": host, "port": port,
            "security": security, "verify_tls": verify_tls, "username": user,
            "password": password or None, "folder": folder, "processed_folder": processed,
            "address": address, "queue_hint": queue_hint, "poll_interval": interval,
            "active": bool(values.get("active"))}


_STRENGTH = {"none": 0, "starttls": 1, "tls": 2}


def _exposes_password(existing: MailboxConfig | None, host: str, port: int, security: str,
                      verify_tls: bool) -> bool:
    """Whether using the stored password with these settings could send it somewhere else or
    less protected than before (another host or port, weaker encryption, no certificate check)."""
    if existing is None:
        return False
    return (host.lower() != existing.host.lower() or port != existing.port
            or _STRENGTH.get(security, 0) < _STRENGTH.get(existing.security, 0)
            or (existing.verify_tls and not verify_tls))


def candidate_mailbox(clean: dict[str, Any], existing: MailboxConfig | None,
                      settings: Settings) -> ImapMailbox:
    """The mailbox as entered (for a connection test before saving)."""
    password = clean["password"]
    if password is None and existing is not None:
        password = secretbox.decrypt(existing.password_encrypted, settings.secret_key)
    return ImapMailbox(
        name=clean["name"] or "test", host=clean["host"], port=clean["port"],
        security=clean["security"], verify_tls=clean["verify_tls"], user=clean["username"],
        password=password or "", folder=clean["folder"], processed_folder=clean["processed_folder"],
        address=clean["address"], queue_hint=clean["queue_hint"], poll_interval=clean["poll_interval"],
    )


_AUDITED_MAILBOX_FIELDS = ("host", "port", "security", "verify_tls", "username", "folder",
                           "processed_folder", "address", "queue_hint", "poll_interval", "active")


def save_mailbox(session: Session, settings: Settings, clean: dict[str, Any], actor: str,
                 existing: MailboxConfig | None) -> MailboxConfig:
    row = existing or MailboxConfig(name=clean["name"], password_encrypted="")
    before = {f: getattr(row, f) for f in _AUDITED_MAILBOX_FIELDS} if existing else {}
    for f in _AUDITED_MAILBOX_FIELDS:
        setattr(row, f, clean[f])
    if clean["password"] is not None:
        row.password_encrypted = secretbox.encrypt(clean["password"], settings.secret_key)
    row.updated_by = actor
    session.add(row)
    after = {f: getattr(row, f) for f in _AUDITED_MAILBOX_FIELDS}
    changed = sorted(f for f in _AUDITED_MAILBOX_FIELDS if before.get(f) != after[f]) if existing else []
    password_changed = clean["password"] is not None
    if existing:
        message = f"Postfach {row.name} geändert"
        if password_changed:
            changed.append("password")
    else:
        message = f"Postfach {row.name} angelegt"
    record(session, None, actor, "mailbox_created" if existing is None else "mailbox_changed",
           message, mailbox=row.name, host=row.host, port=row.port, security=row.security,
           active=row.active, password_changed=password_changed,
           changed=",".join(changed)[:64] or None, before=before, after=after)
    return row


def delete_mailbox(session: Session, row: MailboxConfig, actor: str) -> None:
    record(session, None, actor, "mailbox_deleted", f"Postfach {row.name} gelöscht",
           mailbox=row.name, host=row.host)
    session.delete(row)


# --- scan folders -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScanFolder:
    """A watched folder: ``path`` relative to the scan root, ``source`` the receipt path."""

    path: str
    name: str
    origin: str  # "environment" | "console" | "found"
    active: bool = True
    batch: bool | None = None  # None: the scan_batches setting
    queue_hint: str | None = None
    channel: str | None = None  # a catalogue channel key; None: letter
    channel_label: str | None = None  # the catalogue's name of ``channel``
    # The channel was retired (or removed) after the folder was set up: a scan there is still
    # post that reached the office and keeps its receipt time, so it is taken as Post, with a
    # note on the item and in the console, rather than refused or filed under a dead channel.
    channel_retired: bool = False

    @property
    def source(self) -> str:
        return f"scan:{self.path}"

    @property
    def delivers_on(self) -> str | None:
        """The channel its scans are taken on; None: Post (letter)."""
        return None if self.channel_retired else self.channel

    @property
    def retired_note(self) -> str | None:
        """For staff, on every item the folder delivers while its channel is retired."""
        if not self.channel_retired:
            return None
        return (f"Scanordner „{self.name}“ ist dem Kanal „{self.channel_label}“ zugeordnet, der stillgelegt "
                "ist: als Post übernommen. Bitte den Kanal des Scanordners ändern (Verwaltung → Kanäle).")

    def directory(self, root: Path) -> Path:
        return root / self.path


def _inside(child: str, parent: str) -> bool:
    return PurePosixPath(child).is_relative_to(PurePosixPath(parent)) and child != parent


def scan_folders(session: Session, settings: Settings) -> list[ScanFolder]:
    """Environment folders, console folders, and any other folder found under the scan root
    (watched too, as before; a console entry for the same path takes its place)."""
    root = settings.scan_path
    env_names = sorted({n.strip() for n in settings.scan_workplaces.split(",") if n.strip()})
    folders = [ScanFolder(path=n, name=n, origin="environment") for n in env_names]
    taken = set(env_names)
    for row in session.scalars(select(ScanFolderConfig).order_by(ScanFolderConfig.path)):
        if row.path in taken:
            continue
        folders.append(ScanFolder(path=row.path, name=row.name, origin="console", active=row.active,
                                  batch=row.batch, queue_hint=row.queue_hint, channel=row.channel))
        taken.add(row.path)
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            name = entry.name
            if (not entry.is_dir() or entry.is_symlink() or name.startswith(".") or name in taken
                    or any(_inside(t, name) for t in taken)):  # parent of a configured folder
                continue
            folders.append(ScanFolder(path=name, name=name, origin="found"))
    if any(f.channel for f in folders):
        from store.catalogue import current_catalogue

        catalogue = current_catalogue(session, settings)
        folders = [_with_channel(f, catalogue.channel(f.channel)) if f.channel else f for f in folders]
    return folders


def _with_channel(folder: ScanFolder, found: Any) -> ScanFolder:
    """The folder with its channel's name, and whether that channel is retired (or gone)."""
    return replace(folder, channel_label=found.label if found else folder.channel,
                   channel_retired=found is None or not found.active)


def clean_scan_path(settings: Settings, raw: str) -> str:
    """A path below the scan root as a relative POSIX path; German error otherwise."""
    root = settings.scan_path.resolve()
    raw = raw.strip()
    if not raw:
        raise ConfigError({"path": "Pfad des Scanordners angeben, z. B. „poststelle“."})
    if "\\" in raw or "\x00" in raw:
        raise ConfigError({"path": "Den Pfad mit „/“ trennen (keine Backslashes)."})
    candidate = PurePosixPath(raw)
    if candidate.is_absolute():
        if not Path(raw).resolve().is_relative_to(root) or Path(raw).resolve() == root:
            raise ConfigError({"path": f"Scanordner müssen unterhalb von {root} liegen; "
                                       "ein Pfad außerhalb wird nicht angenommen."})
        candidate = PurePosixPath(Path(raw).resolve().relative_to(root).as_posix())
    parts = candidate.parts
    if any(p in ("..", ".") for p in raw.split("/")):
        raise ConfigError({"path": f"„..“ und „.“ sind im Pfad nicht erlaubt: Scanordner liegen "
                                   f"immer unterhalb von {root}."})
    for part in parts:
        if part.lower() in SCAN_SUBDIRS:
            raise ConfigError({"path": f"„{part}“ ist ein Arbeitsordner der Scanordner "
                                       "(processing, done, failed) und kann kein Scanordner sein."})
        if not _PATH_PART.fullmatch(part) or part != part.strip():
            raise ConfigError({"path": "Ordnernamen aus Buchstaben, Ziffern, Leerzeichen, Punkt, "
                                       "Binde- und Unterstrich (nicht mit Punkt beginnend)."})
    if len(parts) > 4:
        raise ConfigError({"path": "Höchstens vier Ordnerebenen unterhalb des Scan-Stammordners."})
    relative = candidate.as_posix()
    # A symbolic link must not lead out of the root either.
    if not (root / relative).resolve().is_relative_to(root):
        raise ConfigError({"path": f"Der Pfad führt über einen Verweis aus {root} hinaus."})
    return relative


def clean_scan_folder(session: Session, settings: Settings, values: dict[str, Any], *,
                      existing: ScanFolderConfig | None, queues: dict[str, str],
                      channels: dict[str, str] | None = None) -> dict[str, Any]:
    """The form's values checked; ``channels``: the catalogue's active channels (key → label)."""
    errors: dict[str, str] = {}
    path = existing.path if existing else ""
    if existing is None:
        try:
            path = clean_scan_path(settings, str(values.get("path") or ""))
        except ConfigError as exc:
            errors.update(exc.errors)
        else:
            for folder in scan_folders(session, settings):
                if folder.path == path and folder.origin == "environment":
                    errors["path"] = (f"„{path}“ ist schon über EINGANG_SCAN_WORKPLACES eingerichtet.")
                elif folder.path == path and folder.origin == "console":
                    errors["path"] = f"Den Scanordner „{path}“ gibt es schon."
                elif _inside(path, folder.path):
                    errors["path"] = (f"„{path}“ läge im Scanordner „{folder.path}“: dessen Unterordner "
                                      "würden dort als Stapel übernommen. Bitte einen eigenen Ordner wählen.")
                elif _inside(folder.path, path) and folder.origin != "found":
                    errors["path"] = f"Im Ordner „{path}“ liegt schon der Scanordner „{folder.path}“."
                if "path" in errors:
                    break
    name = _text(values, "name", 120)
    if not name:
        errors["name"] = "Bezeichnung angeben, z. B. „Poststelle Rathaus, Scanner 1“."
    queue_hint = _text(values, "queue_hint", 32) or None
    if queue_hint and queue_hint not in queues:
        errors["queue_hint"] = "Eine der Zuständigkeiten wählen (oder keine)."
    batch_text = _text(values, "batch")
    if batch_text not in ("", "ja", "nein"):
        errors["batch"] = "Stapelverarbeitung wählen."
    channel = _text(values, "channel", 16) or None
    if channel and channel not in (channels or {}):
        errors["channel"] = "Einen der Kanäle wählen (oder keinen: Post)."
    if errors:
        raise ConfigError(errors)
    return {"path": path, "name": name, "queue_hint": queue_hint, "active": bool(values.get("active")),
            "batch": {"": None, "ja": True, "nein": False}[batch_text], "channel": channel}


def save_scan_folder(session: Session, settings: Settings, clean: dict[str, Any], actor: str,
                     existing: ScanFolderConfig | None) -> ScanFolderConfig:
    fields = ("name", "queue_hint", "active", "batch", "channel")
    row = existing or ScanFolderConfig(path=clean["path"])
    before = {f: getattr(row, f) for f in fields} if existing else {}
    for f in fields:
        setattr(row, f, clean[f])
    row.updated_by = actor
    session.add(row)
    after = {f: getattr(row, f) for f in fields}
    # Create the folder now, so the scanner (or a person) can write into it at once.
    (settings.scan_path / row.path).mkdir(parents=True, exist_ok=True)
    record(session, None, actor, "scan_folder_created" if existing is None else "scan_folder_changed",
           f"Scanordner {row.path} {'angelegt' if existing is None else 'geändert'}",
           scan_folder=row.path[:64], active=row.active, batch=row.batch, queue_hint=row.queue_hint,
           before=before, after=after)
    return row


# --- both -------------------------------------------------------------------------------


def queue_hint_for(session: Session, settings: Settings, mailbox: str | None) -> str | None:
    """The queue hint of the mailbox or scan folder an item came in through (a hint only;
    the classifier decides). ``mailbox`` is the item's receipt path, possibly several."""
    hint = settings.queue_hint_for(mailbox)
    if hint or not mailbox:
        return hint
    paths = [a.strip() for a in mailbox.split(",") if a.strip()]
    scan = [p[len("scan:"):] for p in paths if p.startswith("scan:")]
    if scan:
        return session.scalar(select(ScanFolderConfig.queue_hint).where(
            ScanFolderConfig.path.in_(scan), ScanFolderConfig.queue_hint.is_not(None)).limit(1))
    received = {p.lower() for p in paths}
    # Plain rows: this runs for every classified item.
    hinted = session.execute(
        select(MailboxConfig.name, MailboxConfig.address, MailboxConfig.queue_hint)
        .where(MailboxConfig.queue_hint.is_not(None))
    )
    for name, address, queue_hint in hinted:
        if {(address or "").lower(), name.lower()} & received:
            return queue_hint
    return None
