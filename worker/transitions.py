"""Compare-and-set status changes: the database decides which run of a step wins.

A step first marks an attempt (:func:`start`), works outside any transaction, then moves the
item from the status it expects to the next one in one short transaction together with all
its writes and events (:func:`advance`). If the status moved meanwhile (a duplicate message,
a second worker), the update matches no row and the run's results are discarded: running a
step twice changes nothing the second time.

Attempts are counted in the database, not the broker, so an item that kills its worker
(e.g. out of memory) is parked after a few redeliveries instead of killing workers for ever.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.enums import Status
from store.events import record
from store.models import Item, utcnow

MAX_ATTEMPTS = 5


def start(session: Session, item_id: int, expected: Status, step: str) -> Item | None:
    """Count an attempt of ``step``; None if the item is elsewhere or was tried too often."""
    item = _compare_and_set(session, item_id, expected, attempts=Item.attempts + 1)
    if item is not None and item.attempts > MAX_ATTEMPTS:
        park(session, item, f"Der Schritt „{step}“ ist {MAX_ATTEMPTS}-mal abgebrochen.", step)
        return None
    return item


def advance(
    session: Session, item_id: int, expected: Status, new: Status, *, next_attempt: bool = False,
    **values: object,
) -> Item | None:
    """Move the item on, writing the step's results (``values``) with the same UPDATE.
    ``next_attempt`` counts the next step's attempt in it too, for a worker that goes straight
    on with that step (it then skips :func:`start`)."""
    return _compare_and_set(
        session, item_id, expected, status=new.value, attempts=1 if next_attempt else 0, **values
    )


def _compare_and_set(session: Session, item_id: int, expected: Status, **values: object) -> Item | None:
    # UPDATE … RETURNING: the item comes back with the same round trip (PostgreSQL, SQLite ≥ 3.35).
    return session.scalars(
        update(Item)
        .where(Item.id == item_id, Item.status == expected.value)
        .values(updated_at=utcnow(), **values)
        .returning(Item),
        execution_options={"synchronize_session": False, "populate_existing": True},
    ).one_or_none()


def park(session: Session, item: Item, reason: str, step: str) -> None:
    """Move an item to needs_attention with a German reason staff can act on."""
    item.status = Status.NEEDS_ATTENTION.value
    item.status_reason = reason[:1000]
    record(session, item, f"worker:{step}", "needs_attention", item.status_reason)
