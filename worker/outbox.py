"""Deliver outbox messages with retries: at least once, claimed so two workers never race.

A deliverer per message kind (``email``, ``webhook``, ``drop_folder``, …; the table
``worker.components.DELIVERERS``) receives the message; it should pass ``message.dedupe_key`` on to the receiver where it can
(an idempotency key), because a crash between a delivery and its "sent" mark can repeat it.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError

from store.db import session_scope
from store.enums import OutboxStatus
from store.events import record
from store.models import OutboxMessage, utcnow
from store.retention import close_if_referral_answered
from store.settings import Settings
from worker.components import DELIVERERS

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 12
# While one worker delivers, the message is hidden from others for this long.
CLAIM_SECONDS = 300


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))


def pending_for_item(item_id: int, settings: Settings) -> list[int]:
    with session_scope(settings) as session:
        return list(
            session.scalars(
                select(OutboxMessage.id).where(
                    OutboxMessage.item_id == item_id,
                    OutboxMessage.status == OutboxStatus.PENDING.value,
                )
            )
        )


def _claim(message_id: int, settings: Settings) -> OutboxMessage | None:
    now = utcnow()
    with session_scope(settings) as session:
        message = session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status == OutboxStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            )
            .values(
                attempts=OutboxMessage.attempts + 1,
                next_attempt_at=now + timedelta(seconds=CLAIM_SECONDS),
            )
            .returning(OutboxMessage),
            execution_options={"synchronize_session": False},
        ).one_or_none()
        if message is not None:
            session.expunge(message)
        return message


def deliver(message_id: int, settings: Settings) -> bool:
    """Try one delivery; True when the message is sent (now or before)."""
    message = _claim(message_id, settings)
    if message is None:
        return False
    deliverer = DELIVERERS.get(message.kind)
    try:
        if deliverer is None:
            raise LookupError(f"kein Zustellweg für Nachrichten der Art {message.kind!r}")
        deliverer(message, settings)
    except Exception as exc:
        _failed(message, exc, settings)
        return False
    _mark_sent(message, settings)
    return True


def _mark_sent(message: OutboxMessage, settings: Settings) -> None:
    """Record the delivery, however long the database takes to come back within the claim:
    giving up here would let the claim expire and the message go out a second time (the
    relay has it already). Only a process killed meanwhile repeats it, with the same
    Message-ID, so the receiving side can tell."""
    deadline = time.monotonic() + CLAIM_SECONDS - 30
    wait = 0.5
    while True:
        try:
            with session_scope(settings) as session:
                session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == message.id)
                    .values(status=OutboxStatus.SENT.value, sent_at=utcnow(), last_error=None)
                )
                record(session, message.item_id, "worker:outbox", "outbox_sent",
                       f"Zugestellt: {message.kind}", outbox_id=message.id, attempts=message.attempts)
                if message.item_id is not None:
                    close_if_referral_answered(session, message.item_id)
            return
        except OperationalError:
            if time.monotonic() + wait > deadline:
                raise
            log.warning("outbox %s delivered, but not yet recorded (database unavailable); "
                        "retrying in %.1f s", message.id, wait)
            time.sleep(wait)
            wait = min(wait * 2, 10.0)


def _failed(message: OutboxMessage, exc: Exception, settings: Settings) -> None:
    final = message.attempts >= MAX_ATTEMPTS
    log.warning("outbox %s (%s) attempt %s failed: %s", message.id, message.kind, message.attempts, exc)
    with session_scope(settings) as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id)
            .values(
                status=OutboxStatus.FAILED.value if final else OutboxStatus.PENDING.value,
                next_attempt_at=utcnow() + backoff(message.attempts),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
        )
        if final:
            record(session, message.item_id, "worker:outbox", "outbox_failed",
                   f"Zustellung endgültig fehlgeschlagen ({message.kind}): {exc}",
                   outbox_id=message.id)
