"""Channels and statuses in one place (the pipeline's steps: worker.actors.STEPS)."""

from __future__ import annotations

from enum import StrEnum


class Channel(StrEnum):
    EMAIL = "email"
    LETTER = "letter"
    WEBFORM = "webform"
    PHONE = "phone"


class Status(StrEnum):
    RECEIVED = "received"
    EXTRACTED = "extracted"
    CLASSIFIED = "classified"
    ROUTED = "routed"
    DONE = "done"
    NEEDS_ATTENTION = "needs_attention"
    # A reply that joined its case: one message of the case's conversation, not an item of
    # its own (worker.conversation). Listed and counted with its case, never on its own.
    JOINED = "joined"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({Status.ROUTED, Status.DONE, Status.NEEDS_ATTENTION, Status.JOINED})

# Statuses the inbox never lists as items of their own (its "open" view hides done, too).
NOT_IN_INBOX = (Status.JOINED.value,)


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
