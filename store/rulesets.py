"""Versioned routing rule sets: drafts, one active version, audited activation and rollback.

The store keeps rule sets as their YAML source; validating and running them is the router's
job (``routing``), so callers parse a draft before they store it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.enums import Status
from store.events import record
from store.models import Item, RuleSet, utcnow

DRAFT, ACTIVE, RETIRED = "draft", "active", "retired"


class RuleSetError(Exception):
    """A rule set operation is not possible; the message (German) says why."""


def list_rule_sets(session: Session) -> list[RuleSet]:
    return list(session.scalars(select(RuleSet).order_by(RuleSet.version)))


def get_rule_set(session: Session, version: int) -> RuleSet:
    rs = session.scalar(select(RuleSet).where(RuleSet.version == version))
    if rs is None:
        raise RuleSetError(f"Regelwerk Version {version} gibt es nicht.")
    return rs


def active_rule_set(session: Session) -> RuleSet | None:
    return session.scalar(select(RuleSet).where(RuleSet.state == ACTIVE))


def add_draft(session: Session, source: str, created_by: str, comment: str | None = None) -> RuleSet:
    """Store a (validated) YAML source as the next version, in state draft."""
    # Two concurrent imports picking the same number fail on the unique version: retry then.
    current = session.scalar(select(func.max(RuleSet.version))) or 0
    rs = RuleSet(version=current + 1, state=DRAFT, source=source, comment=comment, created_by=created_by)
    session.add(rs)
    session.flush()
    _audit(session, created_by, "rules_imported", f"Regelwerk Version {rs.version} als Entwurf angelegt.", version=rs.version, comment=comment)
    return rs


def activate(session: Session, version: int, actor: str, reason: str | None = None) -> RuleSet:
    """Make ``version`` the active rule set; the previous one is retired. Audited."""
    target = session.scalar(select(RuleSet).where(RuleSet.version == version).with_for_update())
    if target is None:
        raise RuleSetError(f"Regelwerk Version {version} gibt es nicht.")
    if target.state == ACTIVE:
        raise RuleSetError(f"Regelwerk Version {version} ist bereits aktiv.")
    previous = active_rule_set(session)
    session.execute(update(RuleSet).where(RuleSet.state == ACTIVE).values(state=RETIRED))
    target.state = ACTIVE
    target.activated_at = utcnow()
    target.activated_by = actor
    session.flush()
    before = previous.version if previous else None
    _audit(
        session,
        actor,
        "rules_activated",
        f"Regelwerk Version {version} aktiviert (vorher: {before or 'Standard'})."
        + (f" Grund: {reason}" if reason else ""),
        version=version,
        previous=before,
        reason=reason,
    )
    return target


def rollback(session: Session, actor: str, version: int | None = None) -> RuleSet:
    """Activate an earlier version: the given one, or the one active before the current."""
    if version is None:
        current = active_rule_set(session)
        earlier = session.scalars(
            select(RuleSet)
            .where(RuleSet.state == RETIRED, RuleSet.activated_at.is_not(None))
            .order_by(RuleSet.activated_at.desc())
        ).first()
        if current is None or earlier is None:
            raise RuleSetError("Es gibt keine frühere aktive Version, zu der zurückgekehrt werden kann.")
        version = earlier.version
    return activate(session, version, actor, reason="Rückkehr zu einer früheren Version")


def _audit(session: Session, actor: str, kind: str, message: str, **details: Any) -> None:
    record(session, None, actor, kind, message, **details)


@dataclass(frozen=True)
class StoredRouting:
    """What a simulation needs of a stored item: its input to the router and its decision."""

    item_id: int
    reference: str | None
    channel: str
    subject: str
    text: str
    classification: dict[str, Any]
    mailbox: str | None
    sender: str | None
    queue: str | None
    action: str | None
    known_case: dict | None = None  # what the worker knew when it routed (worker.known_case)


def items_for_simulation(
    session: Session, since: datetime | None = None, batch: int = 2000
) -> Iterator[StoredRouting]:
    """Classified items received since ``since``, streamed in batches (read only)."""
    cols = (
        Item.id, Item.reference, Item.channel, Item.subject, Item.text, Item.classification,
        Item.mailbox, Item.sender, Item.queue, Item.action, Item.decision["known_case"],
    )
    # Replies that joined their item were never routed by rules: nothing to simulate.
    stmt = (select(*cols).where(Item.queue.is_not(None), Item.status != Status.JOINED.value)
            .order_by(Item.id))
    if since is not None:
        stmt = stmt.where(Item.received_at >= since)
    result = session.execute(stmt.execution_options(yield_per=batch))
    for row in result:
        yield StoredRouting(
            item_id=row.id,
            reference=row.reference,
            channel=row.channel,
            subject=row.subject or "",
            text=row.text or "",
            classification=row.classification or {},
            mailbox=row.mailbox,
            sender=row.sender,
            queue=row.queue,
            action=row.action,
            known_case=row[-1] if isinstance(row[-1], dict) else None,
        )
