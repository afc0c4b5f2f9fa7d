"""Re-enqueue work the broker lost: items stuck in a non-final state, due outbox messages.

Safe to run in several processes at once (steps are idempotent); on PostgreSQL an advisory
lock keeps it to one sweeper per sweep anyway. Poison items are parked by the steps' own
attempt counter (worker.transitions), not here: waiting in a long queue is no failure.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import select, text, update

from store.db import session_scope
from store.enums import STEP_FOR_STATUS, OutboxStatus, Status
from store.models import Item, OutboxMessage, utcnow
from store.settings import Settings

log = logging.getLogger(__name__)

_LOCK_KEY = 0x6569_6E67  # "eing"


def sweep(settings: Settings, *, everything: bool = False, now: datetime | None = None) -> int:
    """Re-enqueue stale work; ``everything`` ignores age (embedded start: the memory broker
    lost all messages). Returns the number of messages sent."""
    from worker.actors import STEP_ACTORS, deliver

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
    for step, item_id in resend:
        STEP_ACTORS[step].send(item_id)
        sent += 1
    for message_id in due:
        deliver.send(message_id)
        sent += 1
    if sent:
        log.info("sweeper re-enqueued %d messages", sent)
    return sent


# How often a sweeper asks whether the daily retention run is due (the run itself checks
# the last run in the audit trail, so several sweepers still give one run a day).
RETENTION_CHECK = timedelta(hours=1)


def schedule_retention(settings: Settings, last_check: datetime | None) -> datetime | None:
    from store.retention import is_due
    from worker.actors import retention

    now = utcnow()
    if last_check is not None and now - last_check < RETENTION_CHECK:
        return last_check
    if is_due(settings, now):
        retention.send()
    return now


def run_periodically(settings: Settings, stop: threading.Event, *, first_everything: bool) -> None:
    everything = first_everything
    retention_checked: datetime | None = None
    while True:
        try:
            sweep(settings, everything=everything)
            retention_checked = schedule_retention(settings, retention_checked)
        except Exception:  # a sweep failing (database restarting) must not end the loop
            log.exception("sweep failed")
        everything = False
        if stop.wait(settings.sweep_interval):
            return
