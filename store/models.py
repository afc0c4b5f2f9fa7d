"""SQLAlchemy 2.0 models: the domain as tables.

``Item`` is one citizen request; ``Document`` every original and attachment (content in the
blob store); ``Event`` the append-only history; ``Receipt`` each way an item reached us;
``Queue``, ``RuleSet``, ``OutboxMessage`` and ``TrainingExample`` feed routing, actions and
learning.
"""

# No ``from __future__ import annotations``: SQLAlchemy would evaluate each of the ~320 string
# annotations again (eval) to find the column types, a tenth of this module's import (issue 16).

from datetime import UTC, date, datetime
from typing import Any, Optional

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from store.enums import OutboxStatus, Status
from store.plain import as_utc, utc_for


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return utc_for(value, dialect.name)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return as_utc(value)


class JSONDocument(TypeDecorator):
    """JSON on SQLite, JSONB on PostgreSQL.

    Not ``JSON().with_variant(JSONB(), "postgresql")``: building JSONB at import time imports the
    whole PostgreSQL dialect (and asyncpg's adapter module), 40 ms of every command's start-up even
    on SQLite (issue 16). The dialect is imported here only once a PostgreSQL engine asks."""

    impl = JSON
    cache_ok = True
    hashable = False  # values are dicts and lists, as with JSON itself
    should_evaluate_none = True  # None is stored as JSON null, as JSON() does (none_as_null=False)

    def load_dialect_impl(self, dialect: Any) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONType = JSONDocument()
IdType = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass


def _received_at(context: Any) -> datetime | None:
    """An item's activity starts at its receipt (also for Core inserts of many rows)."""
    return context.get_current_parameters().get("received_at")


class Item(Base):
    __tablename__ = "items"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # Legal receipt time (Eingangsdatum): set once by the connector, never overwritten.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Receipt time of the latest incoming message (a reply that joined): the inbox sorts by it.
    activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=_received_at)
    # A message joined that nobody has opened yet (set by worker.conversation, cleared on view).
    unread_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    status: Mapped[str] = mapped_column(String(24), default=Status.RECEIVED.value)
    status_reason: Mapped[str | None] = mapped_column(Text)  # German, for needs_attention
    # Non-blocking findings for staff (a broken attachment, a page with low OCR confidence).
    problems: Mapped[list[str]] = mapped_column(JSONType, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed step runs so far

    sender: Mapped[str | None] = mapped_column(String(320))
    sender_name: Mapped[str | None] = mapped_column(String(200))
    contact: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    mailbox: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    full_text: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(998))
    content_hash: Mapped[str | None] = mapped_column(String(64))

    queue: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    urgent_reasons: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    # Urgent by the classifier's guess alone (classifier.urgency.only_guessed): shown as
    # "vielleicht dringend" until a person or a routing rule confirms or clears it.
    urgent_guessed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confidence: Mapped[float | None] = mapped_column(Float)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    classification: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    action: Mapped[str | None] = mapped_column(String(32))
    referral_to: Mapped[str | None] = mapped_column(String(120))

    case_ref: Mapped[str | None] = mapped_column(String(64))
    # Every identifier the classifier found (Kundennummer, BG-Nummer …), as the facts hold them
    # (compact, one space between): searched beside the text, which may write them spaced out.
    identifiers: Mapped[str | None] = mapped_column(Text)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    assigned_to: Mapped[str | None] = mapped_column(String(120))
    # Same mail arriving twice (two mailboxes, SMTP and IMAP): Message-ID + authored content
    # (store.mail_identity); unique, so concurrent copies cannot both become items.
    mail_identity: Mapped[str | None] = mapped_column(String(64))

    # Retention (store.retention): the clock starts when the item is closed (done, or a
    # referral answered); a legal hold (Widerspruch, Klage, Prüfung) stops deletion.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first change by a person (store.events): time to first action on the dashboard, and
    # whether an item was closed without anyone (steering_daily, migration 0018).
    first_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Wiedervorlage (admin.resubmission): the inbox hides the item until this moment and then
    # shows it at the top (activity_at is set to it), marked; a person clears it.
    resubmit_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the first action of a person is due (receipt + the office's response target), while
    # that clock runs (not done, nobody acted yet); else NULL. Kept by a database trigger from
    # ``response_targets`` (migration 0027, store.response_due), so the inbox sorts and filters
    # by it from an index.
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resubmit_note: Mapped[str | None] = mapped_column(Text)
    resubmit_by: Mapped[str | None] = mapped_column(String(120))
    legal_hold: Mapped[bool] = mapped_column(Boolean, default=False)
    legal_hold_reason: Mapped[str | None] = mapped_column(Text)

    documents: Mapped[list["Document"]] = relationship(
        back_populates="item", order_by="Document.id", cascade="all, delete-orphan"
    )
    events: Mapped[list["Event"]] = relationship(
        back_populates="item", order_by="Event.id", passive_deletes=True
    )
    receipts: Mapped[list["Receipt"]] = relationship(
        back_populates="item", order_by="Receipt.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        Index("ix_items_status_updated", "status", "updated_at"),
        Index("ix_items_queue_received", "queue", "received_at"),
        Index("ix_items_received", "received_at"),
        Index("ix_items_message_id", "message_id"),
        Index("ix_items_case_ref", "case_ref"),
        Index("ix_items_closed", "closed_at"),
        Index("ix_items_mail_identity", "mail_identity", unique=True),
        Index("ix_items_thread", "thread_id"),
        Index("ix_items_resubmit", "resubmit_at"),
        # Created by migrations only: ix_items_*inbox (urgent, activity_at, id; also by queue,
        # status and assignee) and ix_items_sender (lower(sender), id) for the Bestandskunden
        # lookup; ix_items_open_* (partial, status <> 'done') for the dashboard (0018_steering);
        # ix_items_due (due_at, id) over the running response clocks (0027).
    )


@sa_event.listens_for(Item.status, "set")
def _start_retention_clock(item: Item, value: str, old: Any, _initiator: Any) -> None:
    """Closing an item (status done) starts its retention period; re-opening stops it."""
    if value == Status.DONE.value and old != value:
        item.closed_at = item.closed_at or utcnow()
    elif value != Status.DONE.value and old == Status.DONE.value:
        item.closed_at = None


class ItemCount(Base):
    """Items per status, queue ('' = none yet) and urgency, kept by database triggers on
    ``items`` (migration 0008); PostgreSQL spreads a key over several ``slot`` rows, so a
    count is the sum over its slots. Read and repaired through ``store.counts``."""

    __tablename__ = "item_counts"

    status: Mapped[str] = mapped_column(String(24), primary_key=True)
    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    urgent: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)


class ResponseTarget(Base):
    """Seconds from receipt to the first action of a person, per office (``queue``; '' for the
    house default: every office without a target of its own and items not routed yet). The
    trigger that keeps ``items.due_at`` reads it; store.response_due keeps it equal to the
    catalogue and the settings."""

    __tablename__ = "response_targets"

    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    seconds: Mapped[int] = mapped_column(Integer)


class Document(Base):
    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    # "original" is the unchanged input; "attachment" a part of it; "derived" something we made.
    role: Mapped[str] = mapped_column(String(16), default="original")
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(127))
    # Display name only: never used as a path.
    filename: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    page_count: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    ocr_confidence: Mapped[float | None] = mapped_column(Float)
    problem: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped["Item"] = relationship(back_populates="documents")


class Event(Base):
    """Append-only history: who (person or component) did what to which item, when and why."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(48))
    message: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    item: Mapped[Optional["Item"]] = relationship(back_populates="events")


class Receipt(Base):
    """One way an item reached us (mailbox, SMTP recipient, scan folder, form, call)."""

    __tablename__ = "receipts"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    path: Mapped[str | None] = mapped_column(String(500))
    external_id: Mapped[str | None] = mapped_column(String(500))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped["Item"] = relationship(back_populates="receipts")

    __table_args__ = (UniqueConstraint("channel", "path", "external_id", name="uq_receipt_source"),)


class Queue(Base):
    """An office of the domain catalogue (domain.Office): one queue of the inbox."""

    __tablename__ = "queues"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    leistungsform: Mapped[str | None] = mapped_column(String(32))
    retention_days: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    title: Mapped[str | None] = mapped_column(String(120))
    rechtskreis: Mapped[str | None] = mapped_column(String(120))
    follow_up: Mapped[str | None] = mapped_column(String(32))
    retention_basis: Mapped[str | None] = mapped_column(String(16))
    # Hours from receipt to the first action of a person (domain.Office.response_target_hours).
    response_target_hours: Mapped[float | None] = mapped_column(Float)
    signature: Mapped[str | None] = mapped_column(Text)
    xdomea_dir: Mapped[str | None] = mapped_column(String(500))  # E-Akte transfer directory
    contact: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    keywords: Mapped[list[str] | None] = mapped_column(JSONType)
    examples: Mapped[list[str] | None] = mapped_column(JSONType)
    position: Mapped[int] = mapped_column(Integer, default=0)


class KommuneRow(Base):
    """The Kommune of the domain catalogue (one row) and the catalogue's revision: every change
    of the catalogue raises it, so every process reloads its copy."""

    __tablename__ = "kommune"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    ags: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(32), default="Stadt")
    postcodes: Mapped[list[str]] = mapped_column(JSONType, default=list)
    gemeinden: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    neighbours: Mapped[list[str]] = mapped_column(JSONType, default=list)
    address: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))  # domain.Kommune.timezone
    holiday_region: Mapped[str] = mapped_column(String(16))  # domain.Kommune.holiday_region
    profile: Mapped[str | None] = mapped_column(String(200))  # the profile it was seeded from
    revision: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ReferralBodyRow(Base):
    __tablename__ = "referral_bodies"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    address: Mapped[str | None] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(320))
    handles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    hint: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    phrase: Mapped[str | None] = mapped_column(String(200))
    phrase_accusative: Mapped[str | None] = mapped_column(String(200))


class IntentRow(Base):
    __tablename__ = "intents"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    keywords: Mapped[list[str] | None] = mapped_column(JSONType)  # classifier signals, as offices'
    examples: Mapped[list[str] | None] = mapped_column(JSONType)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired: items keep its label


class ChannelKind(Base):
    """A kind of intake channel (email, Post …) with its label and symbol; not a configured
    mailbox (those are MailboxConfig)."""

    __tablename__ = "channel_kinds"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    symbol: Mapped[str | None] = mapped_column(String(16))
    trusted: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # retired: items keep its label


class DocumentRoleRow(Base):
    __tablename__ = "document_roles"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    label: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)


class RuleSet(Base):
    """A versioned routing rule set (the rules as a reviewable YAML document)."""

    __tablename__ = "rule_sets"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    version: Mapped[int] = mapped_column(Integer, unique=True)
    state: Mapped[str] = mapped_column(String(16), default="draft")  # draft | active | retired
    source: Mapped[str] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    activated_by: Mapped[str | None] = mapped_column(String(120))


class OutboxMessage(Base):
    """A side effect decided in the same transaction as the decision, delivered later."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(
        ForeignKey("items.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32))  # email | webhook | drop_folder | …
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)


class TrainingExample(Base):
    """A labelled example confirmed by staff (re-route, re-label, Clearing decision)."""

    __tablename__ = "training_examples"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    queue: Mapped[str | None] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(32))
    urgent: Mapped[bool | None] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(32))  # reroute | relabel | clearing
    created_by: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Batch(Base):
    """A mailroom batch: one scan (or upload) of a stack of letters, split into letter items.

    The batch's own item holds the unchanged original and ends as ``done`` once split; each
    letter becomes an item of its own that keeps the batch's receipt date (Eingangsstempel).
    ``pages`` and ``letters`` are what the mailroom view shows and staff can re-split.
    """

    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id", ondelete="CASCADE"), unique=True)
    source: Mapped[str | None] = mapped_column(String(320))  # scan folder / upload / ingest
    # The Eingangsstempel: the date the post arrived, given to every letter of the batch.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | split | failed
    # How to split: extraction.split.SplitRules fields (separator codes/text, blank pages, every N).
    rules: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    page_count: Mapped[int | None] = mapped_column(Integer)
    # While OCR runs: pages read so far (with ``page_count`` known from the start of the reading).
    pages_read: Mapped[int | None] = mapped_column(Integer)
    # Per page: number, method, confidence, blank, barcodes, rotation, skew, text.
    pages: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Per letter: pages, reason, confidence, low_confidence_pages, item_id.
    letters: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    confidence: Mapped[float | None] = mapped_column(Float)  # lowest page confidence
    searchable_sha256: Mapped[str | None] = mapped_column(String(64))  # whole batch, searchable
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    item: Mapped["Item"] = relationship()


class AppointmentSchedule(Base):
    """When a queue offers appointments: opening hours, slot length, capacity, closed days."""

    __tablename__ = "appointment_schedules"

    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    # Weekday (0 = Monday) → list of ["08:30", "12:00"] windows, the Kommune's local time (its
    # zone and public holidays are the Kommune's: domain.Kommune).
    hours: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=45)
    capacity: Mapped[int] = mapped_column(Integer, default=1)  # citizens per slot
    holidays: Mapped[list[str]] = mapped_column(JSONType, default=list)  # extra closed ISO dates
    location: Mapped[str | None] = mapped_column(Text)
    min_lead_hours: Mapped[int] = mapped_column(Integer, default=24)  # earliest offer from now


class AppointmentSlot(Base):
    __tablename__ = "appointment_slots"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    queue: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        UniqueConstraint("queue", "starts_at", name="uq_slot_queue_start"),
        # The database itself refuses an overbooked slot, whatever the code does.
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slot_capacity"),
        Index("ix_slots_queue_start", "queue", "starts_at"),
    )


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("appointment_slots.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")  # booked | cancelled
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LinkToken(Base):
    """A single-use, expiring link a citizen follows without login (book or cancel)."""

    __tablename__ = "link_tokens"

    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))  # book | cancel
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id"))
    slot_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)  # the slots offered
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEvent(Base):
    """The access audit trail: append-only, hash-chained, never holding item content.

    Separate from ``Event`` (an item's processing history, deleted with the item when its
    retention period ends): audit entries outlive the items they name, and every entry
    carries the hash of the previous one so that a changed or removed entry is detectable
    (see store.audit). ``seq`` is gap-free and assigned under a lock.
    """

    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int | None] = mapped_column(BigInteger)  # no FK: the item may be deleted
    reference: Mapped[str | None] = mapped_column(String(32))
    queue: Mapped[str | None] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(200))  # document:12, queue:jobcenter, …
    outcome: Mapped[str] = mapped_column(String(16), default="ok")  # ok | denied | failed
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = (
        Index("ix_audit_at", "at"),
        Index("ix_audit_actor_at", "actor", "at"),
        Index("ix_audit_item", "item_id"),
        Index("ix_audit_action_at", "action", "at"),
    )
class User(Base):
    """A staff account: roles say what they may do, queues which items they may see."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(IdType, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id
    # eingangsservice | poststelle | fachamt | clearing | admin | auditor
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    # Queue keys whose items the user may see; "*" means every queue.
    queues: Mapped[list[str]] = mapped_column(JSONType, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every session carries the epoch it was opened in; logout and a password change count it
    # up, which ends all sessions of the user at their next request (copied cookies included).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MailboxState(Base):
    """IMAP bookkeeping per configured mailbox: UIDVALIDITY + last UID, and who reads it."""

    __tablename__ = "imap_mailboxes"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SmtpRateWindow(Base):
    """Messages per client address and minute, shared by all SMTP processes (PostgreSQL)."""

    __tablename__ = "smtp_rate_windows"

    client: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class MailboxConfig(Base):
    """An IMAP mailbox set up in the admin console (besides EINGANG_IMAP_MAILBOXES).

    The password is stored encrypted (store.secretbox, key derived from the app secret); the
    bookkeeping of what was read stays in ``imap_mailboxes`` under the same ``name``.
    """

    __tablename__ = "mailbox_configs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=993)
    security: Mapped[str] = mapped_column(String(16), default="tls")  # tls | starttls | none
    verify_tls: Mapped[bool] = mapped_column(Boolean, default=True)
    username: Mapped[str] = mapped_column(String(320))
    password_encrypted: Mapped[str] = mapped_column(Text, default="")
    folder: Mapped[str] = mapped_column(String(255), default="INBOX")
    processed_folder: Mapped[str | None] = mapped_column(String(255), default="Verarbeitet")
    address: Mapped[str | None] = mapped_column(String(320))
    queue_hint: Mapped[str | None] = mapped_column(String(32))
    poll_interval: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ScanFolderConfig(Base):
    """A scan folder (hot folder) set up in the admin console, below the scan root.

    ``path`` is relative to ``Settings.scan_path`` and never changes: it names the receipt
    source (``scan:<path>``) that matches files in ``processing/`` with their items.
    """

    __tablename__ = "scan_folder_configs"

    path: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    queue_hint: Mapped[str | None] = mapped_column(String(32))
    batch: Mapped[bool | None] = mapped_column(Boolean)  # None: the scan_batches setting
    # The catalogue channel its files arrive on (a fax server's folder: "fax"); None: letter.
    channel: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class FitConnectSubmission(Base):
    """A FIT-Connect submission picked up (connectors.fitconnect): its item, whether it was
    accepted or rejected, and when the Zustelldienst took that event. A row without
    ``confirmed_at`` is stored but not yet confirmed: the next pass confirms it (exactly once,
    also after a crash between the commit and the event)."""

    __tablename__ = "fitconnect_submissions"

    submission_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    destination: Mapped[str] = mapped_column(String(200))  # the configured destination's name
    destination_id: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[str] = mapped_column(String(64))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id", ondelete="SET NULL"))
    outcome: Mapped[str] = mapped_column(String(16))  # accept | reject
    problems: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    authentication_tags: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FitConnectDestinationConfig(Base):
    """A FIT-Connect Zustellpunkt set up in the admin console (besides
    EINGANG_FITCONNECT_DESTINATIONS). Client secret, private keys and callback secret are
    stored encrypted (store.secretbox)."""

    __tablename__ = "fitconnect_destination_configs"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    destination_id: Mapped[str] = mapped_column(String(64))
    api_url: Mapped[str] = mapped_column(String(500))
    token_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(200))
    client_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    scope: Mapped[str | None] = mapped_column(String(500))
    encryption_key_encrypted: Mapped[str] = mapped_column(Text, default="")
    signing_key_encrypted: Mapped[str] = mapped_column(Text, default="")
    callback_secret_encrypted: Mapped[str] = mapped_column(Text, default="")
    queue_hint: Mapped[str | None] = mapped_column(String(32))
    poll_interval: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class ComponentStatus(Base):
    """Last known state of one running part (a mailbox poller, a scan folder, a worker
    process, or anything else that reports through ``store.health_state``), shared by all
    processes so that ``/health`` and ``/metrics`` of the web process see the whole service.
    ``detail`` is German for operators and never holds personal data."""

    __tablename__ = "component_status"

    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    status: Mapped[str] = mapped_column(String(8), default="ok")  # ok | warn | fail
    detail: Mapped[str | None] = mapped_column(Text)
    last_ok_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SteeringDaily(Base):
    """The dashboard's figures per local day of the Kommune (its zone: store.localdays), metric
    (inflow, routed, reroute, done_auto, done_person, first_action), office and channel, kept by
    triggers on ``items`` (migrations 0018, 0022, 0028); ``total`` sums seconds (first_action). Read through
    ``services.steering``; PostgreSQL adds ix_steering_daily_day (day, covering the figures)."""

    __tablename__ = "steering_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[float] = mapped_column(Float)


class SteeringMonthly(Base):
    """The figures of ``steering_daily`` per month. PostgreSQL (migration 0029): the folded
    figures, always the sum of the month's slot-0 daily rows, which only store.steering_fold
    writes, adding to both in one statement; a month's figures are its row plus its daily rows
    of slots 1–8. SQLite (0036): the sum of all the month's daily rows, kept by triggers on
    ``steering_daily`` (store.sqlite_steering)."""

    __tablename__ = "steering_monthly"

    month: Mapped[date] = mapped_column(Date, primary_key=True)  # the first of the month
    metric: Mapped[str] = mapped_column(String(24), primary_key=True)
    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    total: Mapped[float] = mapped_column(Float)


class AssignedCount(Base):
    """Open items (status <> 'done') per assigned person and office, kept by triggers on
    ``items`` (migration 0019) like ``item_counts``; a count is the sum over its slots."""

    __tablename__ = "assigned_counts"

    assigned_to: Mapped[str] = mapped_column(String(120), primary_key=True)
    queue: Mapped[str] = mapped_column(String(32), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
