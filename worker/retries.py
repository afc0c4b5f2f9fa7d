"""Retries and giving up, for every actor in one place (after dramatiq's middleware/retries.py).

A message whose actor raised is sent again with exponential backoff until the actor's
``max_retries`` are used up. Then the message is not retried any more: a pipeline step parks
its item where staff see it, with the reason (``give_up``), and the message is acknowledged;
any other actor's message fails (dead letter). The database counts a step's attempts as well
(worker.transitions), so a worker killed mid-step, which raises nothing, also ends in a parked
item instead of killing workers for ever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dramatiq
from dramatiq.common import compute_backoff
from dramatiq.middleware import Middleware

log = logging.getLogger(__name__)

GiveUp = Callable[[dramatiq.Message, BaseException], bool]


class StepRetries(Middleware):
    """``give_up(message, exception)`` is asked once the retries are used up; True when it
    dealt with the message (parked the item), so the message is acknowledged, not failed."""

    def __init__(self, give_up: GiveUp, *, max_retries: int = 3, min_backoff: int = 1_000,
                 max_backoff: int = 30_000) -> None:
        self.give_up = give_up
        self.max_retries = max_retries
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff

    @property
    def actor_options(self) -> set[str]:
        return {"max_retries", "min_backoff", "max_backoff"}

    def after_process_message(self, broker, message, *, result=None, exception=None):  # type: ignore[no-untyped-def]
        if exception is None:
            return
        actor = broker.get_actor(message.actor_name)
        options = actor.options
        retries = message.options.setdefault("retries", 0)
        if retries >= options.get("max_retries", self.max_retries):
            if not self.give_up(message, exception):
                log.warning("message %s (%s) failed for good", message.message_id, message.actor_name)
                message.fail()
            return
        message.options["retries"] = retries + 1
        _, delay = compute_backoff(retries, factor=options.get("min_backoff", self.min_backoff),
                                   max_backoff=options.get("max_backoff", self.max_backoff))
        log.info("retrying message %s (%s) in %d ms", message.message_id, message.actor_name, delay)
        broker.enqueue(message, delay=delay)
