"""Live counts of items per status, queue and urgency, read from ``item_counts``.

The database keeps that table itself: triggers on ``items`` (migration 0008) add +1/-1 in
the same transaction as every insert, delete and change of status, queue or urgency, so the
counts are exact whichever code (or person with psql) changes an item, and reading them costs
a few hundred rows instead of a scan of every item. ``check`` compares them with a GROUP BY
over the items; ``repair`` recomputes them (``eingang counts check|repair``).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from store.models import Item, ItemCount

Key = tuple[str, str, bool]  # status, queue ('' = none yet), urgent


@dataclass(frozen=True)
class Mismatch:
    status: str
    queue: str
    urgent: bool
    stored: int
    actual: int


def totals(
    session: Session, queues: Collection[str] | None = None,
    exclude_status: str | Collection[str] | None = None,
) -> dict[Key, int]:
    """Items per (status, queue, urgent); only ``queues`` if given (None = all, with '')."""
    stmt = select(ItemCount.status, ItemCount.queue, ItemCount.urgent, func.sum(ItemCount.n))
    if queues is not None:
        stmt = stmt.where(ItemCount.queue.in_(sorted(queues)))
    if isinstance(exclude_status, str):
        exclude_status = (exclude_status,)
    if exclude_status:
        stmt = stmt.where(ItemCount.status.notin_(sorted(exclude_status)))
    stmt = stmt.group_by(ItemCount.status, ItemCount.queue, ItemCount.urgent)
    return {(s, q, bool(u)): int(n) for s, q, u, n in session.execute(stmt) if n}


def actual(session: Session) -> dict[Key, int]:
    """The same figures counted from the items (a full scan: for checks, not for pages)."""
    queue = func.coalesce(Item.queue, "")
    stmt = select(Item.status, queue, Item.urgent, func.count()).group_by(Item.status, queue, Item.urgent)
    return {(s, q, bool(u)): int(n) for s, q, u, n in session.execute(stmt)}


def check(session: Session) -> list[Mismatch]:
    """Every key whose stored count differs from the items (empty: all exact)."""
    return _differences(totals(session), actual(session))


def _differences(stored: dict[Key, int], real: dict[Key, int]) -> list[Mismatch]:
    return [Mismatch(*key, stored.get(key, 0), real.get(key, 0))
            for key in sorted(stored.keys() | real.keys()) if stored.get(key, 0) != real.get(key, 0)]


def repair(session: Session) -> list[Mismatch]:
    """Recompute the counts from the items; returns what was wrong before.

    Items must not change meanwhile: PostgreSQL takes a SHARE lock on ``items`` (writers wait
    until the commit, readers go on); SQLite's ``BEGIN IMMEDIATE`` already excludes writers.
    The items are counted once (the full scan is the whole cost: 1,000,000 items) and the few
    hundred counts written from that, not counted a second time by an INSERT ... SELECT."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE items IN SHARE MODE"))
    real = actual(session)
    wrong = _differences(totals(session), real)
    session.execute(delete(ItemCount))
    if real:
        session.execute(insert(ItemCount), [
            {"status": status, "queue": queue, "urgent": urgent, "slot": 0, "n": n}
            for (status, queue, urgent), n in sorted(real.items())])
    return wrong
