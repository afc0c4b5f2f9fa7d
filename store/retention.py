"""Retention and deletion: closed items are deleted, with their documents and blobs, once the
retention period of their queue has passed (Speicherbegrenzung).

Legal frame (the defaults below are PROPOSALS to be confirmed by the Kommune's behördliche/r
Datenschutzbeauftragte/r and matched to the local Aktenordnung before production use):

- Art. 5 Abs. 1 lit. e DSGVO (Speicherbegrenzung) and Art. 17 DSGVO: personal data no longer
  needed for its purpose is erased.
- § 84 Abs. 2 SGB X: Sozialdaten are erased as soon as their knowledge is no longer needed for
  the lawful fulfilment of the tasks of the responsible body and there is no reason to assume
  that erasure would impair legitimate interests of the data subject.
- eingang is the intake, not the Akte: the case file with its own Aufbewahrungsfristen (e.g. per
  Aktenordnung / Aktenplan of the Kommune, for SGB II files commonly several years) lives in the
  Fachverfahren or E-Akte the item was handed over to. The intake copy is only needed while
  questions about the intake itself can come up (Sachstandsanfragen, Widerspruch period of one
  month after Bekanntgabe, § 84 SGG, plus slack for post).

A legal hold (Widerspruch, Klage, Prüfung durch Rechnungsprüfung / Datenschutzaufsicht) stops
deletion until it is released. Deletion is recorded in the audit trail with ids, queue, dates
and counts only, never with content.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, text, update
from sqlalchemy.orm import Session

from domain import load_profile
from store import audit
from store.blobs import BlobStore
from store.catalogue import bump, current_catalogue
from store.db import get_engine, session_scope
from store.enums import OutboxStatus, Status
from store.events import record
from store.models import (
    AuditEvent,
    Batch,
    Document,
    Event,
    Item,
    OutboxMessage,
    Queue,
    TrainingExample,
    utcnow,
)
from store.settings import Settings

_LOCK_KEY = 0x7265_7465  # "rete"


@dataclass(frozen=True)
class RetentionDefault:
    days: int
    basis: str  # German: why this period (shown by ``eingang retention show``)


_INTAKE_BASIS = (
    "Art. 5 Abs. 1 lit. e DSGVO, § 84 Abs. 2 SGB X; die Akte selbst führt das Fachverfahren "
    "(Aufbewahrung nach Aktenordnung). Vorschlag: Widerspruchsfrist (§ 84 SGG) und "
    "Sachstandsanfragen abdecken – durch die/den DSB zu bestätigen."
)
_SENSITIVE_BASIS = (
    "Art. 5 Abs. 1 lit. e, Art. 9 DSGVO, § 84 Abs. 2 SGB X, § 203 StGB (Beratungsgeheimnis): "
    "besonders schutzwürdig, Beratung dokumentiert die Beratungsstelle selbst. "
    "Vorschlag – durch die/den DSB zu bestätigen."
)
_REFERRAL_BASIS = (
    "Art. 5 Abs. 1 lit. e DSGVO, § 84 Abs. 2 SGB X, § 16 Abs. 2 SGB I (Weiterleitung): nur der "
    "Nachweis der Verweisung wird kurz gebraucht. Vorschlag – durch die/den DSB zu bestätigen."
)

# The legal basis of an office's period, by the kind the catalogue names (Office.retention_basis).
BASES = {"intake": _INTAKE_BASIS, "sensitive": _SENSITIVE_BASIS, "referral": _REFERRAL_BASIS}
FALLBACK = RetentionDefault(180, _INTAKE_BASIS)  # items without (or with an unknown) queue


def defaults(session: Session, settings: Settings) -> dict[str, RetentionDefault]:
    """Each office's period as the Kommune profile proposes it, with its basis."""
    profile = load_profile(settings.kommune_profile)
    offices = {o.key: o for o in profile.offices}
    for office in current_catalogue(session, settings).offices:
        offices.setdefault(office.key, replace(office, retention_days=FALLBACK.days))
    return {key: RetentionDefault(o.retention_days, BASES.get(o.retention_basis, _INTAKE_BASIS))
            for key, o in offices.items()}


def retention_days(session: Session, settings: Settings) -> dict[str | None, int]:
    """Effective days per queue, as the catalogue holds them (edited in the console)."""
    days: dict[str | None, int] = {o.key: o.retention_days
                                   for o in current_catalogue(session, settings).offices}
    days[None] = FALLBACK.days
    return days


def set_retention_days(session: Session, queue: str, days: int | None, actor: str,
                       settings: Settings) -> None:
    """Configure a queue's period (``None``: back to the default); a configuration change."""
    if days is not None and days < 1:
        raise ValueError("Die Aufbewahrungsfrist muss mindestens einen Tag betragen.")
    row = session.get(Queue, queue)
    if row is None:
        raise ValueError(f"Die Zuständigkeit „{queue}“ gibt es nicht.")
    old = row.retention_days
    if days is None:
        days = defaults(session, settings).get(queue, FALLBACK).days
    row.retention_days = days
    audit.append(session, "config.change", actor=actor, target=f"queue:{queue}",
                 setting="retention_days", old=old, new=days)
    bump(session, actor)


def set_legal_hold(session: Session, item: Item, hold: bool, actor: str, reason: str | None) -> None:
    item.legal_hold = hold
    item.legal_hold_reason = reason if hold else None
    # The reason may name a court case; the audit keeps only that a hold was set or released.
    audit.append(session, "legal_hold.set" if hold else "legal_hold.release", item=item, actor=actor)


def close_if_referral_answered(session: Session, item_id: int) -> None:
    """A referral (action ``refer``) is closed once every message to the citizen is out."""
    # Called for every sent message: a plain-row look first, the item only for referrals.
    open_referral = session.execute(
        select(Item.id).where(Item.id == item_id, Item.action == "refer", Item.closed_at.is_(None))
    ).first()
    if open_referral is None:
        return
    item = session.get(Item, item_id)
    if item is None:
        return
    pending = session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.item_id == item_id, OutboxMessage.status != OutboxStatus.SENT.value
        )
    )
    if not pending:
        item.closed_at = utcnow()
        if item.status == Status.ROUTED.value:
            # Answered: the citizen was told where to go; staff find it among the closed items.
            item.status = Status.DONE.value
            record(session, item, "worker:outbox", "answered",
                   f"Verweisung beantwortet ({item.referral_to or 'andere Stelle'})")


@dataclass
class RetentionReport:
    dry_run: bool
    deleted_items: list[dict[str, Any]] = field(default_factory=list)
    held: int = 0  # due but on legal hold
    deleted_blobs: int = 0
    kept_blobs: int = 0  # due items' blobs still referenced elsewhere (duplicates)


def _due_condition(days: dict[str | None, int], now: datetime):  # type: ignore[no-untyped-def]
    conditions = []
    known = [q for q in days if q is not None]
    for queue in known:
        conditions.append((Item.queue == queue) & (Item.closed_at < now - timedelta(days=days[queue])))
    conditions.append(
        (or_(Item.queue.is_(None), Item.queue.not_in(known)))
        & (Item.closed_at < now - timedelta(days=days[None]))
    )
    return (
        Item.closed_at.is_not(None)
        & Item.status.in_([Status.DONE.value, Status.ROUTED.value])
        & or_(*conditions)
    )


def due_items(session: Session, now: datetime, days: dict[str | None, int], limit: int = 1000) -> list[Item]:
    """Closed items past their queue's period and not on legal hold, oldest first."""
    stmt = (
        select(Item)
        .where(_due_condition(days, now), Item.legal_hold.is_(False))
        .order_by(Item.closed_at, Item.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def held_items(session: Session, now: datetime, days: dict[str | None, int]) -> int:
    """Items past their period that a legal hold keeps."""
    return session.scalar(
        select(func.count()).select_from(Item)
        .where(_due_condition(days, now), Item.legal_hold.is_(True))
    ) or 0


def run(session: Session, blobs: BlobStore, settings: Settings, *, now: datetime | None = None, dry_run: bool = False,
        actor: str = "system:retention", limit: int = 1000) -> RetentionReport:
    """Delete every due item not on legal hold. Blobs go after the commit (see ``purge_blobs``):
    call :func:`purge_blobs` with the report once the session committed."""
    now = now or utcnow()
    report = RetentionReport(dry_run=dry_run)
    days = retention_days(session, settings)
    report.held = held_items(session, now, days)
    for item in due_items(session, now, days, limit):
        # The replies that joined the item are its messages: they go with it.
        replies = list(session.scalars(
            select(Item).where(Item.thread_id == item.id, Item.status == Status.JOINED.value)
        ))
        documents = session.execute(
            select(Document.id, Document.sha256)
            .where(Document.item_id.in_([item.id, *(r.id for r in replies)]))
        ).all()
        searchable = [
            sha for batch in session.scalars(select(Batch).where(Batch.item_id == item.id))
            # the batch's searchable PDF and its page thumbnails are derived from its original
            for sha in (batch.searchable_sha256, *(p.get("thumb") for p in batch.pages))
        ]
        entry = {
            "item_id": item.id, "reference": item.reference, "queue": item.queue,
            "closed_at": item.closed_at.isoformat() if item.closed_at else None,
            "retention_days": days.get(item.queue, days[None]),
            "documents": len(documents),
            "shas": sorted({sha for _, sha in documents} | {s for s in searchable if s}),
        }
        report.deleted_items.append(entry)
        if dry_run:
            continue
        for reply in replies:
            _delete_item(session, reply)
        _delete_item(session, item)
        audit.append(
            session, "retention.delete", item=item.id, actor=actor, reference=entry["reference"],
            queue=entry["queue"], closed_at=entry["closed_at"],
            retention_days=entry["retention_days"], documents=entry["documents"],
        )
    if not dry_run:
        audit.append(session, "retention.run", actor=actor, deleted=len(report.deleted_items),
                     held=report.held)
    return report


def _delete_item(session: Session, item: Item) -> None:
    """The item and everything holding its content: documents, history, outbox payloads,
    training copies of its text; other items only lose their link to it."""
    item_id = item.id
    session.execute(update(Item).where(Item.thread_id == item_id).values(thread_id=None)
                    .execution_options(synchronize_session=False))
    # Parts point at their parent, also across items (a merged duplicate's copies, documents
    # split off into a new item): those links go, the other item's documents stay.
    own_documents = select(Document.id).where(Document.item_id == item_id).scalar_subquery()
    session.execute(update(Document).where(Document.parent_id.in_(own_documents)).values(parent_id=None)
                    .execution_options(synchronize_session=False))
    for table in (Event, OutboxMessage, TrainingExample, Document, Batch):
        session.execute(delete(table).where(table.item_id == item_id)
                        .execution_options(synchronize_session=False))
    session.delete(item)
    session.flush()


def purge_blobs(session: Session, blobs: BlobStore, report: RetentionReport,
                started: datetime, grace: timedelta = timedelta(minutes=5)) -> None:
    """Delete the blobs of deleted items that no remaining document or batch references
    (the blob store is content-addressed: a duplicate mail shares its original). A blob
    stored again since shortly before the run may belong to an intake not yet committed."""
    if report.dry_run:
        return
    fresh = (started - grace).timestamp()
    for sha in sorted({sha for entry in report.deleted_items for sha in entry["shas"]}):
        if blobs.modified_at(sha) > fresh:
            report.kept_blobs += 1
            continue
        used = session.scalar(select(func.count()).select_from(Document).where(Document.sha256 == sha))
        used = used or session.scalar(
            select(func.count()).select_from(Batch).where(Batch.searchable_sha256 == sha)
        )
        if used:
            report.kept_blobs += 1
            continue
        blobs.delete(sha)
        report.deleted_blobs += 1


def last_run(session: Session) -> datetime | None:
    return session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.action == "retention.run"))


def run_job(settings: Settings, *, dry_run: bool = False, now: datetime | None = None,
            actor: str = "system:retention", blob_grace: timedelta = timedelta(minutes=5),
            ) -> RetentionReport:
    """One complete run: delete in batches (one transaction each), then purge their blobs."""
    blobs = BlobStore(settings.blob_dir)
    started = utcnow()
    total = RetentionReport(dry_run=dry_run)
    while True:
        with session_scope(settings) as session:
            report = run(session, blobs, settings, now=now, dry_run=dry_run, actor=actor, limit=500)
        with session_scope(settings) as session:
            purge_blobs(session, blobs, report, started, blob_grace)
        total.deleted_items += report.deleted_items
        total.held = report.held
        total.deleted_blobs += report.deleted_blobs
        total.kept_blobs += report.kept_blobs
        if dry_run or len(report.deleted_items) < 500:
            return total


def is_due(settings: Settings, now: datetime | None = None) -> bool:
    with session_scope(settings) as session:
        last = last_run(session)
    return last is None or (now or utcnow()) - last >= timedelta(days=1)


def run_if_due(settings: Settings, now: datetime | None = None) -> RetentionReport | None:
    """The daily job: run when the last run (any process) is a day old; on PostgreSQL one
    process at a time (a session advisory lock held on its own connection)."""
    if not is_due(settings, now):
        return None
    engine = get_engine(settings)
    if engine.dialect.name != "postgresql":
        return run_job(settings, now=now)
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _LOCK_KEY}).scalar():
            return None
        try:
            return run_job(settings, now=now) if is_due(settings, now) else None
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _LOCK_KEY})
            conn.commit()
