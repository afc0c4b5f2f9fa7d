"""Turn an incoming original into a stored, durable item: the one thing every connector does.

The original's bytes go to the blob store (fsynced) before the database transaction that
creates the item, so a committed item always has its original. The caller commits and only
then acknowledges the channel (SMTP 250, IMAP move, HTTP 201, scan file to done/).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import format_reference as reference_format
from store import metrics
from store.blobs import BlobStore
from store.enums import Status
from store.events import MACHINE_ACTOR_PREFIXES, record
from store.mail_identity import mail_identity, mail_identity_of_file
from store.models import Document, Event, Item, Receipt


@dataclass(frozen=True)
class StoredOriginal:
    """An original already put into the blob store (streamed in: too large to hold in memory)."""

    sha256: str
    size: int


@dataclass
class Incoming:
    # A channel key of the catalogue: the built-in ones as store.enums.Channel, one an admin
    # added (Verwaltung → Kommune → Kanäle) as its key.
    channel: str
    content: bytes
    media_type: str
    received_at: datetime  # legal receipt time, timezone-aware
    filename: str | None = None  # display name only
    sender: str | None = None
    sender_name: str | None = None
    subject: str | None = None
    mailbox: str | None = None  # the receipt path: recipient, mailbox, scan folder, form
    external_id: str | None = None  # e.g. Message-ID, IMAP UIDVALIDITY/UID, upload id
    contact: dict[str, Any] = field(default_factory=dict)
    actor: str = "connector"
    stored: StoredOriginal | None = None  # set instead of ``content`` for a streamed original
    # German reason: keep the item but do not process it (e.g. only the headers of a huge mail).
    attention: str | None = None
    # Facts the channel itself vouches for (an online application's form fields, "formular"):
    # kept beside what the classifier finds.
    facts: dict[str, Any] = field(default_factory=dict)
    # Non-blocking findings for staff, known at receipt (e.g. a scan folder's retired channel).
    problems: list[str] = field(default_factory=list)


def reference_for(item: Item) -> str:
    return format_reference(item.received_at, item.id)


def format_reference(received_at: datetime, item_id: int) -> str:
    """Our reference, as citizens see it and quote it back (domain.format_reference)."""
    return reference_format(received_at.year, item_id)


def find_receipt(session: Session, incoming: Incoming) -> Receipt | None:
    if not incoming.external_id:
        return None
    return session.scalars(
        select(Receipt).where(
            Receipt.channel == str(incoming.channel),
            Receipt.path == incoming.mailbox,
            Receipt.external_id == incoming.external_id,
        )
    ).first()


def store_incoming(
    session: Session, incoming: Incoming, blobs: BlobStore
) -> tuple[Item, bool]:
    """Store the original and create its item. Returns ``(item, created)``.

    Idempotent per receipt: the same source delivering the same external id again (a
    re-fetch after a crash before the channel was acknowledged) returns the existing item.
    """
    existing = find_receipt(session, incoming)
    if existing is not None:
        return existing.item, False
    identity = _identity(incoming, blobs)
    twin = _find_twin(session, identity)
    if twin is not None:
        return _received_again(session, twin, incoming), False
    if incoming.stored is not None:
        digest, size = incoming.stored.sha256, incoming.stored.size
    else:
        digest, size = blobs.put(incoming.content), len(incoming.content)
    item = Item(
        channel=str(incoming.channel),
        received_at=incoming.received_at,
        status=(Status.NEEDS_ATTENTION if incoming.attention else Status.RECEIVED).value,
        status_reason=incoming.attention,
        sender=incoming.sender,
        sender_name=incoming.sender_name,
        subject=incoming.subject,
        mailbox=incoming.mailbox,
        contact=dict(incoming.contact),
        facts=dict(incoming.facts),
        problems=list(incoming.problems),
        content_hash=digest,
        mail_identity=identity,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        # The same mail was committed a moment ago through another path (unique identity).
        twin = _find_twin(session, identity)
        if twin is None:
            raise
        return _received_again(session, twin, incoming), False
    item.reference = reference_for(item)
    session.add(
        Document(
            item_id=item.id,
            role="original",
            sha256=digest,
            media_type=incoming.media_type,
            filename=incoming.filename,
            size=size,
        )
    )
    _add_receipt(session, item, incoming)
    record(
        session,
        item,
        incoming.actor,
        "received",
        _received_text(incoming),
        mailbox=incoming.mailbox,
        sha256=digest,
        size=size,
    )
    if incoming.attention:
        record(session, item, incoming.actor, "needs_attention", incoming.attention)
    metrics.ITEMS_RECEIVED.labels(channel=item.channel).inc()
    return item, True


def _identity(incoming: Incoming, blobs: BlobStore) -> str | None:
    """The mail's identity for merging copies; none for partial originals (attention)."""
    if incoming.media_type != "message/rfc822" or incoming.attention:
        return None
    if incoming.stored is not None:
        return mail_identity_of_file(blobs.path_for(incoming.stored.sha256))
    return mail_identity(incoming.content)


def _add_receipt(session: Session, item: Item, incoming: Incoming) -> None:
    session.add(Receipt(**_receipt_row(item.id, incoming)))


def _received_text(incoming: Incoming) -> str:
    return f"Eingang über {str(incoming.channel)}"


def _received_again_text(incoming: Incoming) -> str:
    return f"Dieselbe E-Mail erneut erhalten über {incoming.mailbox or str(incoming.channel)}"


def _find_twin(session: Session, identity: str | None) -> Item | None:
    if identity is None:
        return None
    return session.scalars(select(Item).where(Item.mail_identity == identity)).first()


def _received_again(session: Session, item: Item, incoming: Incoming) -> Item:
    """The same mail through a second path: one item, both receipts on record."""
    _add_receipt(session, item, incoming)
    record(
        session,
        item,
        incoming.actor,
        "received_again",
        _received_again_text(incoming),
        mailbox=incoming.mailbox,
    )
    return item


def store_batch(
    session: Session,
    batch: Sequence[Incoming],
    blobs: BlobStore,
    put_all: Callable[[list[bytes]], list[str]] | None = None,
) -> list[tuple[int, bool]]:
    """:func:`store_incoming` for several inputs in one transaction: ``(item id, created)``
    each, in order. For connectors that take many inputs at once (concurrent SMTP sessions):
    a few statements for the whole batch instead of ten per input, and one commit.

    ``put_all`` stores the new originals (e.g. in parallel: each costs an fsync); by default
    one after another. Raises like :func:`store_incoming` (also when another process stored
    the same mail a moment ago): the caller may then store the inputs one by one.
    """
    if any(incoming.stored is not None or incoming.attention for incoming in batch):
        raise ValueError("batch intake takes originals in memory that are processed as usual")
    results: list[tuple[int, bool] | None] = [None] * len(batch)
    pending: list[tuple[int, Incoming, str | None]] = []
    received = _known_receipts(session, batch)
    for index, incoming in enumerate(batch):
        existing = received.get(_receipt_key(incoming))
        if existing is not None:
            results[index] = (existing, False)
        else:
            identity = (
                mail_identity(incoming.content) if incoming.media_type == "message/rfc822" else None
            )
            pending.append((index, incoming, identity))
    identities = {identity for _, _, identity in pending if identity}
    twins: dict[str, int] = {}
    if identities:
        found = session.execute(
            select(Item.mail_identity, Item.id).where(Item.mail_identity.in_(identities))
        )
        twins = {identity: item_id for identity, item_id in found}

    new: list[tuple[int, Incoming, str | None]] = []
    again: list[tuple[int, Incoming, str]] = []
    for index, incoming, identity in pending:
        if identity and identity in twins:
            again.append((index, incoming, identity))
        else:
            if identity:
                twins[identity] = -1  # a second copy within this batch: merged below
            new.append((index, incoming, identity))
    put_all = put_all or (lambda contents: [blobs.put(c) for c in contents])
    digests = put_all([incoming.content for _, incoming, _ in new])
    # Core statements on the tables: the ORM's bulk layer cost more than the database.
    items = Item.__table__
    connection = session.connection()
    ids = connection.execute(
        insert(items).returning(items.c.id, sort_by_parameter_order=True),
        [
            {
                "channel": str(incoming.channel), "received_at": incoming.received_at,
                "status": Status.RECEIVED.value, "sender": incoming.sender,
                "sender_name": incoming.sender_name, "subject": incoming.subject,
                "mailbox": incoming.mailbox, "contact": dict(incoming.contact),
                "content_hash": digest, "mail_identity": identity,
            }
            for (_, incoming, identity), digest in zip(new, digests, strict=True)
        ],
    ).scalars().all() if new else []
    documents, receipts, events, references = [], [], [], []
    for (index, incoming, identity), digest, item_id in zip(new, digests, ids, strict=True):
        results[index] = (item_id, True)
        metrics.ITEMS_RECEIVED.labels(channel=str(incoming.channel)).inc()
        if identity:
            twins[identity] = item_id
        references.append(
            {"item": item_id, "ref": format_reference(incoming.received_at, item_id)}
        )
        documents.append({
            "item_id": item_id, "role": "original", "sha256": digest,
            "media_type": incoming.media_type, "filename": incoming.filename,
            "size": len(incoming.content),
        })
        receipts.append(_receipt_row(item_id, incoming))
        events.append(_event_row(
            item_id, incoming, "received", _received_text(incoming),
            {"mailbox": incoming.mailbox, "sha256": digest, "size": len(incoming.content)},
        ))
    for index, incoming, identity in again:
        item_id = twins[identity]
        results[index] = (item_id, False)
        receipts.append(_receipt_row(item_id, incoming))
        events.append(_event_row(
            item_id, incoming, "received_again",
            _received_again_text(incoming),
            {"mailbox": incoming.mailbox},
        ))
    if references:
        connection.execute(
            update(items).where(items.c.id == bindparam("item")).values(reference=bindparam("ref")),
            references,
        )
    for model, rows in ((Document, documents), (Receipt, receipts), (Event, events)):
        if rows:
            connection.execute(insert(model.__table__), rows)
    return [r for r in results if r is not None]


def _receipt_key(incoming: Incoming) -> tuple[str, str | None, str | None]:
    return str(incoming.channel), incoming.mailbox, incoming.external_id


def _known_receipts(session: Session, batch: Sequence[Incoming]) -> dict[tuple[str, str | None, str | None], int]:
    """The items of the batch's receipts already stored (a source delivering again), in one query."""
    keyed = [incoming for incoming in batch if incoming.external_id]
    known: dict[tuple[str, str | None, str | None], int] = {}
    for incoming in keyed:
        # NULL matches nothing in a row-value IN
        if incoming.mailbox is None and (receipt := find_receipt(session, incoming)) is not None:
            known[_receipt_key(incoming)] = receipt.item_id
    keys = {_receipt_key(incoming) for incoming in keyed if incoming.mailbox is not None}
    if keys:
        source = tuple_(Receipt.channel, Receipt.path, Receipt.external_id)
        found = session.execute(
            select(Receipt.channel, Receipt.path, Receipt.external_id, Receipt.item_id)
            .where(source.in_(sorted(keys, key=str)))
        )
        known.update({(c, p, e): item_id for c, p, e, item_id in found})
    return known


def _receipt_row(item_id: int, incoming: Incoming) -> dict[str, Any]:
    return {"item_id": item_id, "channel": str(incoming.channel), "path": incoming.mailbox,
            "external_id": incoming.external_id, "received_at": incoming.received_at}


def _event_row(
    item_id: int, incoming: Incoming, kind: str, message: str, details: dict[str, Any]
) -> dict[str, Any]:
    # Connectors are machine actors: their events stay out of the audit trail (store.events).
    if not incoming.actor.startswith(MACHINE_ACTOR_PREFIXES):
        raise ValueError(f"batch intake is for connectors, not {incoming.actor!r}")
    return {"item_id": item_id, "actor": incoming.actor, "kind": kind, "message": message,
            "details": details}
