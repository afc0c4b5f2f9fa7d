"""The state of every part of the service, each ``ok``, ``warn`` or ``fail`` with a German
sentence: what ``/health``, ``/metrics``, ``eingang health`` and the console's mailbox and
scan-folder lists show.

Cheap enough to ask every few seconds: one ``SELECT 1``, a broker handshake, a few rows of
``component_status`` (what pollers, watchers and workers report, store.health_state), two
indexed counts over the outbox, a ``statvfs`` of the blob store and a listing of the SMTP spool.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from store import health_state
from store.channel_config import active_mailboxes, scan_folders
from store.db import session_scope
from store.enums import OutboxStatus
from store.health_state import FAIL, OK, WARN
from store.models import OutboxMessage, utcnow
from store.settings import Settings

NO_POLL_FAIL = timedelta(minutes=10)  # the alert operators asked for: no poll for 10 minutes
SCAN_STALE = timedelta(minutes=2)     # the watcher reports at least every 30 s
WORKER_STALE = timedelta(seconds=60)  # a heartbeat every 15 s
WORKER_FORGET = timedelta(hours=1)    # a process gone this long is no longer listed
OUTBOX_LATE = timedelta(minutes=15)
# A spool segment is written to for at most a minute and deleted seconds after its last mail
# is stored (connectors.spool_writer: ROLL_SECONDS, IDLE_SECONDS); one older than this is mail
# that was answered 250 and is not an item yet.
SPOOL_WARN, SPOOL_FAIL = timedelta(minutes=3), timedelta(minutes=15)
SPOOL_SUFFIX = ".spool"  # connectors.spool.SUFFIX (services may not import connectors)
DISK_WARN, DISK_FAIL = 0.10, 0.03     # free share of the blob store's file system

COMPONENT_LABELS = {
    "database": "Datenbank", "broker": "Broker", "mailbox": "Postfach", "scan": "Scanordner",
    "worker": "Worker", "outbox": "Postausgang", "blobs": "Ablage der Originale",
    "fitconnect": "FIT-Connect-Zustellpunkt", "enqueue": "Übergabe an den Broker",
    "spool": "SMTP-Zwischenspeicher",
}


@dataclass(frozen=True)
class Check:
    component: str
    name: str
    status: str
    detail: str
    last_ok_at: datetime | None = None
    last_error_at: datetime | None = None

    @property
    def label(self) -> str:
        return COMPONENT_LABELS.get(self.component, self.component)

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        for key in ("last_ok_at", "last_error_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


@dataclass(frozen=True)
class Report:
    status: str
    checks: list[Check]
    checked_at: datetime

    def of(self, component: str) -> dict[str, Check]:
        return {c.name: c for c in self.checks if c.component == component}

    def as_json(self) -> dict[str, object]:
        return {"status": self.status, "checked_at": self.checked_at.isoformat(),
                "components": [c.as_json() for c in self.checks]}


def worst(statuses) -> str:  # type: ignore[no-untyped-def]
    levels = [health_state.LEVELS.index(s) for s in statuses]
    return health_state.LEVELS[max(levels, default=0)]


def report(settings: Settings, *, broker: bool = True, now: datetime | None = None) -> Report:
    now = now or utcnow()
    checks = [database(settings)]
    if broker:
        checks.append(broker_check(settings))
    if checks[0].status != FAIL:
        try:
            with session_scope(settings) as session:
                checks += mailboxes(session, settings, now)
                checks += scans(session, settings, now)
                checks += workers(session, now)
                checks.append(outbox(session, now))
                checks += others(session)
        except Exception as exc:  # the database went away between the checks
            checks.append(Check("database", "", FAIL, f"Abfrage fehlgeschlagen ({type(exc).__name__})."))
    checks.append(blobs(settings))
    checks.append(spool(settings, now))
    return Report(worst(c.status for c in checks), checks, now)


def database(settings: Settings) -> Check:
    start = time.monotonic()
    try:
        with session_scope(settings) as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        return Check("database", "", FAIL, f"Nicht erreichbar ({type(exc).__name__}).")
    ms = (time.monotonic() - start) * 1000
    if ms > 1000:
        return Check("database", "", WARN, f"Antwortet langsam ({ms:.0f} ms).")
    return Check("database", "", OK, f"Erreichbar ({ms:.0f} ms).")


def broker_check(settings: Settings) -> Check:
    url = settings.broker_url
    if not url:
        return Check("broker", "", OK, "Eingebetteter Broker im selben Prozess.")
    try:
        if url.startswith(("amqp://", "amqps://")):
            import pika

            params = pika.URLParameters(url)
            params.socket_timeout = params.blocked_connection_timeout = 3
            params.connection_attempts = 1
            pika.BlockingConnection(params).close()
            return Check("broker", "", OK, "RabbitMQ erreichbar.")
        import redis

        redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3).ping()
        return Check("broker", "", OK, "Redis erreichbar.")
    except Exception as exc:
        return Check("broker", "", FAIL, f"Nicht erreichbar ({type(exc).__name__}).")


def _ago(when: datetime, now: datetime) -> str:
    minutes = int((now - when).total_seconds() // 60)
    if minutes < 1:
        return "vor weniger als einer Minute"
    if minutes < 120:
        return f"vor {minutes} Minute{'n' if minutes != 1 else ''}"
    return f"vor {minutes // 60} Stunden"


def mailboxes(session: Session, settings: Settings, now: datetime) -> list[Check]:
    rows = {r.name: r for r in health_state.reported(session, health_state.MAILBOX)}
    checks = []
    for box in active_mailboxes(session, settings):
        row = rows.get(box.name)
        interval = timedelta(seconds=box.poll_interval or settings.imap_poll_interval)
        if row is None:
            checks.append(Check("mailbox", box.name, WARN, "Noch kein Abruf."))
            continue
        ok_at, err_at = row.last_ok_at, row.last_error_at
        if row.status == FAIL:
            since = f" Letzter erfolgreicher Abruf {_ago(ok_at, now)}." if ok_at else " Noch nie erfolgreich abgerufen."
            status, detail = FAIL, (row.detail or "Abruf fehlgeschlagen.") + since
        elif ok_at is None or now - ok_at > NO_POLL_FAIL:
            status, detail = FAIL, f"Kein Abruf seit {_ago(ok_at or row.updated_at, now)}."
        elif now - ok_at > max(3 * interval, timedelta(minutes=3)):
            status, detail = WARN, f"Letzter Abruf {_ago(ok_at, now)}."
        else:
            status, detail = OK, f"Letzter Abruf {_ago(ok_at, now)}."
        checks.append(Check("mailbox", box.name, status, detail, ok_at, err_at))
    return checks


def scans(session: Session, settings: Settings, now: datetime) -> list[Check]:
    rows = {r.name: r for r in health_state.reported(session, health_state.SCAN)}
    checks = []
    for folder in scan_folders(session, settings):
        if not folder.active:
            continue
        row = rows.get(folder.path)
        if row is None:
            checks.append(Check("scan", folder.path, WARN, "Wird noch nicht überwacht."))
        elif now - row.updated_at > SCAN_STALE:
            checks.append(Check("scan", folder.path, FAIL,
                                f"Die Überwachung meldet sich nicht mehr (zuletzt {_ago(row.updated_at, now)}).",
                                row.last_ok_at, row.last_error_at))
        else:
            checks.append(Check("scan", folder.path, row.status, row.detail or "",
                                row.last_ok_at, row.last_error_at))
    return checks


def workers(session: Session, now: datetime) -> list[Check]:
    checks = []
    for row in health_state.reported(session, health_state.WORKER):
        age = now - row.updated_at
        if age > WORKER_FORGET:
            continue
        if age > WORKER_STALE:
            checks.append(Check("worker", row.name, WARN,
                                f"Kein Lebenszeichen mehr ({_ago(row.updated_at, now)}).",
                                row.last_ok_at, row.last_error_at))
        else:
            checks.append(Check("worker", row.name, row.status, row.detail or "",
                                row.last_ok_at, row.last_error_at))
    if not any(c.status == OK for c in checks):
        checks.insert(0, Check("worker", "", FAIL, "Kein Worker-Prozess meldet sich: "
                                                   "Eingänge werden nicht verarbeitet."))
    return checks


def outbox_counts(session: Session, now: datetime) -> tuple[int, int, int]:
    """Pending, failed, and pending messages overdue by more than OUTBOX_LATE."""
    def count(*where) -> int:  # type: ignore[no-untyped-def]
        return int(session.scalar(select(func.count()).select_from(OutboxMessage).where(*where)) or 0)

    pending = OutboxMessage.status == OutboxStatus.PENDING.value
    return (count(pending), count(OutboxMessage.status == OutboxStatus.FAILED.value),
            count(pending, OutboxMessage.next_attempt_at < now - OUTBOX_LATE))


def outbox(session: Session, now: datetime) -> Check:
    pending, failed, late = outbox_counts(session, now)
    detail = f"{pending} ausstehend, {failed} endgültig fehlgeschlagen."
    if failed:
        return Check("outbox", "", FAIL, detail + " Fehlgeschlagene Sendungen brauchen eine Prüfung.")
    if late:
        return Check("outbox", "", WARN, detail + f" {late} seit über 15 Minuten fällig.")
    return Check("outbox", "", OK, detail)


def others(session: Session) -> list[Check]:
    """Whatever else parts report (e.g. a connector that could not enqueue, a full disk)."""
    known = {health_state.MAILBOX, health_state.SCAN, health_state.WORKER}
    return [Check(r.kind, r.name, r.status, r.detail or "", r.last_ok_at, r.last_error_at)
            for r in health_state.reported(session) if r.kind not in known]


def free_share(settings: Settings) -> tuple[float, int]:
    root = settings.blob_dir
    root.mkdir(parents=True, exist_ok=True)
    usage = shutil.disk_usage(root)
    return usage.free / usage.total, usage.free


def blobs(settings: Settings) -> Check:
    try:
        share, free = free_share(settings)
    except OSError as exc:
        return Check("blobs", "", FAIL, f"Nicht lesbar ({type(exc).__name__}).")
    detail = f"{free / 1e9:.1f} GB frei ({share:.0%})".replace(".", ",", 1) + "."
    if share < DISK_FAIL:
        return Check("blobs", "", FAIL, detail + " Neue Eingänge können bald nicht mehr gespeichert werden.")
    if share < DISK_WARN:
        return Check("blobs", "", WARN, detail)
    return Check("blobs", "", OK, detail)


def spool(settings: Settings, now: datetime) -> Check:
    """Mail the SMTP server acknowledged and has not stored as items yet. Only this machine's
    spool is seen: on a host without the SMTP server it is empty."""
    files = []
    try:
        for path in settings.spool_dir.glob("*" + SPOOL_SUFFIX):
            with contextlib.suppress(FileNotFoundError):  # stored and deleted meanwhile
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size))
    except OSError as exc:
        return Check("spool", "", FAIL, f"Nicht lesbar ({type(exc).__name__}).")
    if not files:
        return Check("spool", "", OK, "Leer: jede angenommene E-Mail ist als Eingang gespeichert.")
    oldest = datetime.fromtimestamp(min(mtime for mtime, _ in files), tz=now.tzinfo)
    size = sum(size for _, size in files)
    amount = (f"{size / 1024:.0f} KB" if size < 1 << 20 else f"{size / (1 << 20):.1f} MB").replace(".", ",")
    detail = f"{len(files)} Datei{'en' if len(files) != 1 else ''} ({amount}), zuletzt geschrieben {_ago(oldest, now)}."
    if now - oldest > SPOOL_FAIL:
        return Check("spool", "", FAIL, detail + " Angenommene E-Mails werden nicht als Eingänge "
                     "gespeichert: läuft `eingang smtp` (oder `eingang serve`) und erreicht es die Datenbank?")
    if now - oldest > SPOOL_WARN:
        return Check("spool", "", WARN, detail + " Die Übernahme in die Eingänge stockt.")
    return Check("spool", "", OK, detail + " Wird gerade übernommen.")
