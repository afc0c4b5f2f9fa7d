"""The audit trail's entries and their hash chain, on a plain connection (store.plain): written
once for the ORM's sessions (store.audit chains their pending entries at commit) and for the
command line's reads without the ORM (``eingang items``).

Every entry stores ``hash = sha256(canonical(entry) + prev_hash)``; see store.audit for what
the chain guarantees and how it is verified.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from store.plain import Plain

GENESIS = "0" * 64
_LOCK_KEY = 0x6175_6469  # "audi"
# The columns an entry is written with, in the table's order.
COLUMNS = ("seq", "at", "actor", "action", "item_id", "reference", "queue", "target", "outcome", "ip",
           "user_agent", "details", "prev_hash", "hash")


@dataclass(frozen=True)
class AuditContext:
    """Who acts and from where; the web app sets it per request, the CLI per command."""

    actor: str = "system"
    ip: str | None = None
    user_agent: str | None = None


_context: contextvars.ContextVar[AuditContext] = contextvars.ContextVar(
    "audit_context", default=AuditContext()  # noqa: B039  (frozen: never mutated)
)


def current_context() -> AuditContext:
    return _context.get()


@contextmanager
def acting_as(actor: str, ip: str | None = None, user_agent: str | None = None) -> Iterator[AuditContext]:
    ctx = AuditContext(actor=actor, ip=ip, user_agent=(user_agent or None) and user_agent[:300])
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


@dataclass
class Entry:
    """One entry before it is chained: seq, at, prev_hash and hash are set by :func:`write`."""

    actor: str
    action: str
    item_id: int | None = None
    reference: str | None = None
    queue: str | None = None
    target: str | None = None
    outcome: str = "ok"
    ip: str | None = None
    user_agent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    seq: int | None = None
    at: datetime | None = None
    prev_hash: str | None = None
    hash: str | None = None


def entry(action: str, *, actor: str | None = None, item_id: int | None = None, target: str | None = None,
          outcome: str = "ok", queue: str | None = None, reference: str | None = None,
          details: dict[str, Any] | None = None) -> Entry:
    """An entry by the acting person (or ``actor``) from where they act (the context)."""
    ctx = current_context()
    return Entry(actor=(actor or ctx.actor)[:120], action=action, item_id=item_id, reference=reference,
                 queue=queue, target=target, outcome=outcome, ip=ctx.ip, user_agent=ctx.user_agent,
                 details=_plain(details or {}))


def _plain(details: dict[str, Any]) -> dict[str, Any]:
    """Details as they come back from a JSON column (dates as strings, tuples as lists)."""
    return json.loads(json.dumps(details, default=str, ensure_ascii=False))


def at_text(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(event: Any) -> str:
    """The hash of an entry (an :class:`Entry` or a stored store.models.AuditEvent)."""
    body = json.dumps(
        [
            event.seq, at_text(event.at), event.actor, event.action, event.item_id,
            event.reference, event.queue, event.target, event.outcome, event.ip,
            event.user_agent, event.details or {},
        ],
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256((body + event.prev_hash).encode()).hexdigest()


def write(db: Plain, entries: list[Entry]) -> None:
    """Chain and insert the entries: meant as a transaction's very last statements, so that the
    PostgreSQL lock is taken after every row lock the transaction holds and kept only until its
    COMMIT (two writers can never wait for each other in a cycle). Appends are serialised: on
    PostgreSQL by that transaction-scoped advisory lock, on SQLite by the ``BEGIN IMMEDIATE``
    every writing transaction starts with."""
    if not entries:
        return
    if db.dialect == "postgresql":
        db.execute("SELECT pg_advisory_xact_lock(:k)", {"k": _LOCK_KEY})
    last = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    for event in entries:
        seq += 1
        event.seq, event.at, event.prev_hash = seq, datetime.now(UTC), prev
        event.hash = prev = entry_hash(event)
        db.insert("audit_events", {column: getattr(event, column) for column in COLUMNS})
