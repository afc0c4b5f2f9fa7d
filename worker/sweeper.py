"""Re-enqueue work the broker lost: items stuck in a non-final state, due outbox messages.

Safe to run in several processes at once (steps are idempotent); on PostgreSQL an advisory
lock keeps it to one sweeper per sweep anyway. Poison items are parked by the steps' own
attempt counter (worker.transitions), not here: waiting in a long queue is no failure.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select, text, update

from store.db import session_scope
from store.enums import OutboxStatus, Status
from store.models import Item, OutboxMessage, utcnow
from store.settings import Settings
from worker.actors import STEP_FOR_STATUS
from worker.broker import ByName, send

log = logging.getLogger(__name__)

_LOCK_KEY = 0x6569_6E67  # "eing"


def sweep(settings: Settings, *, everything: bool = False, now: datetime | None = None) -> int:
    """Re-enqueue stale work; ``everything`` ignores age (embedded start: the memory broker
    lost all messages). Returns the number of messages sent."""
    now = now or utcnow()
    stale = now - timedelta(seconds=settings.stale_after)
    sent = 0
    with session_scope(settings) as session:
        if session.bind.dialect.name == "postgresql" and not session.execute(
            text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _LOCK_KEY}
        ).scalar():
            return 0
        query = select(Item.id, Item.status, Item.updated_at).where(
            Item.status.in_([s.value for s in STEP_FOR_STATUS])
        )
        if not everything:
            query = query.where(Item.updated_at < stale)
        stuck = session.execute(query.limit(5000)).all()
        resend: list[tuple[str, int]] = []
        for item_id, status, updated_at in stuck:
            # Touch updated_at so the next sweep waits another stale_after for this item.
            touched = session.execute(
                update(Item)
                .where(Item.id == item_id, Item.status == status, Item.updated_at == updated_at)
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            ).rowcount
            if touched:
                resend.append((STEP_FOR_STATUS[Status(status)], item_id))
        due = session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            ).limit(5000)
        ).all()
    # Marked as handled above, so a send that fails must not wait for the next round:
    # worker.enqueue keeps it and retries within seconds.
    from worker import enqueue

    for step, item_id in resend:
        enqueue.send(ByName(step), item_id)
        sent += 1
    for message_id in due:
        enqueue.send(ByName("deliver"), message_id)
        sent += 1
    if sent:
        log.info("sweeper re-enqueued %d messages", sent)
    return sent


# How often a sweeper asks whether the daily retention run is due (the run itself checks
# the last run in the audit trail, so several sweepers still give one run a day).
RETENTION_CHECK = timedelta(hours=1)


def schedule_retention(settings: Settings, last_check: datetime | None) -> datetime | None:
    from store.retention import is_due
    now = utcnow()
    if last_check is not None and now - last_check < RETENTION_CHECK:
        return last_check
    if is_due(settings, now):
        send("retention")
    return now


# How often a sweeper folds the dashboard's figures of past days (store.steering_fold).
FOLD_EVERY = timedelta(hours=1)


def fold_steering(settings: Settings, last_fold: datetime | None) -> datetime | None:
    from sqlalchemy.exc import OperationalError

    from store.localdays import local_date
    from store.steering_fold import fold

    now = utcnow()
    if last_fold is not None and now - last_fold < FOLD_EVERY:
        return last_fold
    try:
        with session_scope(settings) as session:
            folded = fold(session, local_date(now))
    except OperationalError:  # a writer held a row (lock_timeout): the next hour folds the rest
        log.info("steering fold gave way to a writer")
        return now
    if folded:
        log.info("steering fold: %d rows of past days folded", folded)
    return now


def run_periodically(settings: Settings, stop: threading.Event, *, first_everything: bool) -> None:
    everything = first_everything
    retention_checked: datetime | None = None
    folded: datetime | None = None
    while True:
        try:
            sweep(settings, everything=everything)
            retention_checked = schedule_retention(settings, retention_checked)
            folded = fold_steering(settings, folded)
        except Exception:  # a sweep failing (database restarting) must not end the loop
            log.exception("sweep failed")
        everything = False
        if stop.wait(settings.sweep_interval):
            return


# An intake process killed between its commit and its enqueue leaves items that no broker
# message will ever start; they would wait the full stale_after. Re-sent once, shortly after
# an intake process starts: items never started (no attempt counted) this much older.
UNSTARTED_AFTER = timedelta(seconds=10)


def resend_unstarted(settings: Settings, *, now: datetime | None = None) -> int:
    """Enqueue the first step of received items that no step has started yet. A message
    that is merely queued still may be sent a second time: the step then changes nothing."""
    from worker import enqueue

    cutoff = (now or utcnow()) - UNSTARTED_AFTER
    with session_scope(settings) as session:
        ids = session.scalars(
            select(Item.id).where(Item.status == Status.RECEIVED.value, Item.attempts == 0,
                                  Item.updated_at < cutoff).limit(5000)
        ).all()
    for item_id in ids:
        enqueue.send(ByName(STEP_FOR_STATUS[Status.RECEIVED]), item_id)
    if ids:
        log.info("re-enqueued %d items an earlier intake process had not started", len(ids))
    return len(ids)


def resend_unstarted_soon(settings: Settings) -> None:
    """In a thread: once, when the items committed just before this start are old enough."""

    def later() -> None:
        time.sleep(UNSTARTED_AFTER.total_seconds() + 1)
        try:
            resend_unstarted(settings)
        except Exception:  # noqa: BLE001  (database down: the sweeper finds them later)
            log.warning("unstarted items not re-sent at start; the sweeper will", exc_info=True)

    threading.Thread(target=later, name="eingang-resend-unstarted", daemon=True).start()

