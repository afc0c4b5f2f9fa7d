"""The access audit trail (§ 67 ff. SGB X, Art. 5(2), 32 DSGVO): who read, changed, exported,
downloaded or deleted what, when and from where.

Every entry stores ``hash = sha256(canonical(entry) + prev_hash)``: changing, inserting or
removing an entry in the middle breaks the chain, which :func:`verify` reports. Removing the
newest entries is only detectable against a head hash kept elsewhere (``eingang audit verify``
prints it; note it in the Aktenvermerk or a second system). The table also rejects UPDATE and
DELETE by trigger (see the migration), so tampering needs a database owner.

Appends are serialised: on PostgreSQL by a transaction-scoped advisory lock (held until the
writing transaction ends), on SQLite by the ``BEGIN IMMEDIATE`` every transaction starts with.
Entries never hold item content (no text, subject or sender): ids, references, queues and
counts only.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from store import plain
from store.audit_chain import (
    GENESIS,
    AuditContext,
    Entry,
    acting_as,
    at_text,
    current_context,
    entry,
    entry_hash,
    write,
)
from store.models import AuditEvent, Item

# What an entry's ``action`` says (German labels for auditors' exports and the web view).
ACTIONS: dict[str, str] = {
    "item.read": "Vorgang gelesen",
    "item.viewed": "Vorgang angesehen",
    "item.downloaded": "Dokument angesehen oder heruntergeladen",
    "login.locked": "Anmeldung gesperrt (Fehlversuche)",
    "item.list": "Vorgangsliste angesehen",
    "item.search": "Suche in Vorgängen",
    "document.download": "Dokument heruntergeladen",
    "export.person": "Auskunft nach Art. 15 DSGVO exportiert",
    "login": "Anmeldung",
    "login.failed": "Anmeldung fehlgeschlagen",
    "login.attempt": "Anmeldeversuch",
    "logout": "Abmeldung",
    "config.change": "Konfiguration geändert",
    "config.read": "Konfiguration angesehen",
    "config.mailbox_created": "Postfach angelegt",
    "config.mailbox_changed": "Postfach geändert",
    "config.mailbox_deleted": "Postfach gelöscht",
    "config.mailbox_tested": "Postfach-Verbindung getestet",
    "config.scan_folder_created": "Scanordner angelegt",
    "config.scan_folder_changed": "Scanordner geändert",
    "config.fitconnect_saved": "FIT-Connect-Zustellpunkt gespeichert",
    "config.queue_access_changed": "Zugriff auf Zuständigkeit geändert",
    "retention.delete": "Vorgang nach Ablauf der Aufbewahrungsfrist gelöscht",
    "retention.run": "Löschlauf",
    "legal_hold.set": "Löschsperre gesetzt",
    "legal_hold.release": "Löschsperre aufgehoben",
    "audit.search": "Protokoll durchsucht",
    "audit.export": "Protokoll exportiert",
    "audit.verify": "Protokoll geprüft",
    "access.denied": "Zugriff verweigert",
}


_PENDING = "audit_pending"


def append(
    session: Session,
    action: str,
    *,
    item: Item | int | None = None,
    actor: str | None = None,
    target: str | None = None,
    outcome: str = "ok",
    queue: str | None = None,
    reference: str | None = None,
    details: dict[str, Any] | None = None,
    **more: Any,
) -> Entry:
    """Record one entry in the caller's transaction; it is chained and written when that
    transaction commits (and dropped with it on rollback).
    ``details`` and keyword arguments beyond the named ones are the entry's details."""
    if isinstance(item, Item):
        queue = queue or item.queue
        reference = reference or item.reference
    pending = entry(action, actor=actor, item_id=item.id if isinstance(item, Item) else item, target=target,
                    outcome=outcome, queue=queue, reference=reference, details={**(details or {}), **more})
    session.info.setdefault(_PENDING, []).append(pending)
    return pending


@sa_event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Chain this transaction's entries as its very last statements (store.audit_chain.write),
    after everything else the session has to write."""
    pending: list[Entry] = session.info.pop(_PENDING, [])
    if pending:
        session.flush()
        write(plain.of_connection(session.connection()), pending)


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, _previous_transaction: Any) -> None:
    session.info.pop(_PENDING, None)


@dataclass
class VerifyResult:
    ok: bool
    count: int
    head_seq: int | None
    head_hash: str | None
    problems: list[str] = field(default_factory=list)


def verify(session: Session, *, expected_head: str | None = None, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the first entry: contiguous seq, links and hashes intact."""
    result = VerifyResult(ok=True, count=0, head_seq=None, head_hash=None)
    prev_hash, prev_seq = GENESIS, 0
    after = 0
    while True:
        rows = session.scalars(
            select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq).limit(batch)
        ).all()
        if not rows:
            break
        for event in rows:
            result.count += 1
            if event.seq != prev_seq + 1:
                result.problems.append(
                    f"Eintrag {prev_seq + 1}–{event.seq - 1} fehlt (Lücke vor Nr. {event.seq})."
                )
            if event.prev_hash != prev_hash:
                result.problems.append(f"Eintrag Nr. {event.seq}: Verkettung zum Vorgänger gebrochen.")
            if entry_hash(event) != event.hash:
                result.problems.append(f"Eintrag Nr. {event.seq}: Inhalt wurde verändert.")
            prev_hash, prev_seq = event.hash, event.seq
        after = rows[-1].seq
        session.expunge_all()
    result.head_seq = prev_seq or None
    result.head_hash = prev_hash if prev_seq else None
    if expected_head and expected_head != result.head_hash:
        known = session.scalar(select(AuditEvent.seq).where(AuditEvent.hash == expected_head))
        if known is None:
            result.problems.append(
                "Der notierte Kopf-Hash kommt im Protokoll nicht vor: Einträge wurden entfernt."
            )
    result.ok = not result.problems
    return result


@dataclass(frozen=True)
class AuditQuery:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." (e.g. "retention.")
    item_id: int | None = None
    reference: str | None = None
    queue: str | None = None
    ip: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = 1000
    before_seq: int | None = None  # keyset paging: entries older than this one


def search(session: Session, query: AuditQuery) -> list[AuditEvent]:
    stmt = select(AuditEvent)
    if query.actor:
        stmt = stmt.where(AuditEvent.actor == query.actor)
    if query.action:
        if query.action.endswith("."):
            stmt = stmt.where(AuditEvent.action.startswith(query.action, autoescape=True))
        else:
            stmt = stmt.where(AuditEvent.action == query.action)
    if query.item_id is not None:
        stmt = stmt.where(AuditEvent.item_id == query.item_id)
    if query.reference:
        stmt = stmt.where(AuditEvent.reference == query.reference)
    if query.queue:
        stmt = stmt.where(AuditEvent.queue == query.queue)
    if query.ip:
        stmt = stmt.where(AuditEvent.ip == query.ip)
    if query.since:
        stmt = stmt.where(AuditEvent.at >= query.since)
    if query.until:
        stmt = stmt.where(AuditEvent.at < query.until)
    if query.before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < query.before_seq)
    stmt = stmt.order_by(AuditEvent.seq.desc())
    if query.limit:
        stmt = stmt.limit(query.limit)
    return list(session.scalars(stmt))


EXPORT_FIELDS = ("seq", "at", "actor", "action", "action_label", "item_id", "reference", "queue",
                 "target", "outcome", "ip", "user_agent", "details", "prev_hash", "hash")


def as_row(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq, "at": at_text(event.at), "actor": event.actor, "action": event.action,
        "action_label": ACTIONS.get(event.action, event.action), "item_id": event.item_id,
        "reference": event.reference, "queue": event.queue, "target": event.target,
        "outcome": event.outcome, "ip": event.ip, "user_agent": event.user_agent,
        "details": event.details or {}, "prev_hash": event.prev_hash, "hash": event.hash,
    }


def export(events: list[AuditEvent], fmt: str) -> str:
    """CSV (semicolon, for German spreadsheet programs) or JSON lines, oldest first."""
    rows = [as_row(e) for e in sorted(events, key=lambda e: e.seq)]
    if fmt == "json":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, delimiter=";")
    writer.writeheader()
    for row in rows:
        writer.writerow(replace_details(row))
    return out.getvalue()


def replace_details(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "details": json.dumps(row["details"], ensure_ascii=False, sort_keys=True)}


__all__ = [
    "ACTIONS", "GENESIS", "AuditContext", "AuditQuery", "VerifyResult", "acting_as", "append",
    "current_context", "entry_hash", "export", "search", "verify",
]
