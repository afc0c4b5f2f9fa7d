"""dramatiq actors: one per pipeline stage; a stage ends by enqueueing the next.

The status in the database is the truth, the message only says "do step X for item N":
a lost message is re-sent by the sweeper, a duplicate does nothing (see worker.transitions).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage
from sqlalchemy import select, update

from store import metrics
from store.db import session_scope
from store.enums import STEP_FOR_STATUS, Status
from store.models import Item
from worker import failures, outbox, steps
from worker.transitions import park

log = logging.getLogger(__name__)

# A placeholder until worker.broker.configure_broker binds the actors to the configured
# broker: @dramatiq.actor must never create dramatiq's default RabbitMQ broker.
dramatiq.set_broker(StubBroker())

MAX_RETRIES = 3
_RETRY = {"max_retries": MAX_RETRIES, "min_backoff": 1_000, "max_backoff": 30_000}


def _run(step: str, item_id: int) -> None:
    """Run ``step`` for the item, then go straight on with the steps after it in this thread.

    A broker round trip per step cost more than classifying or routing itself, and added its
    latency. Nothing is lost by chaining: until the chain ends, this step's message is not
    acknowledged, so a killed worker's message comes back and (the item having moved on)
    forwards the step the item waits for. A chained step that raises gets a message of its
    own instead, with its own retries.
    """
    try:
        handoff = _step(step, item_id, None)
    except Exception as exc:
        message = CurrentMessage.get_current_message()
        retries = message.options.get("retries", 0) if message else MAX_RETRIES
        if retries < MAX_RETRIES:
            raise  # dramatiq retries with backoff
        if failures.is_transient(exc):
            retry_later(step, item_id, message.options.get("transient", 0) if message else 0, exc)
            return
        log.exception("step %s failed for item %s, giving up", step, item_id)
        mark_failed(item_id, step, exc)
        return
    if handoff is None:
        # The step had nothing to do: the item is elsewhere. If it sits in another non-final
        # status, the message for that step may have died with a killed worker after the
        # commit, so go on with that step here (a duplicate run is harmless: it changes nothing).
        pending = _pending_step(item_id, step)
        handoff = steps.Handoff(pending) if pending else None
    while handoff is not None and handoff.step in STEP_FUNCTIONS:
        try:
            handoff = _step(handoff.step, item_id, handoff)
        except Exception:
            log.warning("step %s failed for item %s, retried by its own message",
                        handoff.step, item_id, exc_info=True)
            break
    if handoff is not None:
        STEP_ACTORS[handoff.step].send(item_id)


def _step(step: str, item_id: int, handoff: steps.Handoff | None) -> steps.Handoff | None:
    with metrics.STAGE_SECONDS.labels(stage=step).time():
        return STEP_FUNCTIONS[step](item_id, handoff, chain=True)


def _pending_step(item_id: int, current: str) -> str | None:
    with session_scope() as session:
        status = session.scalar(select(Item.status).where(Item.id == item_id))
    step = STEP_FOR_STATUS.get(Status(status)) if status else None
    return step if step != current else None


def retry_later(step: str, item_id: int, previous: int, exc: BaseException) -> None:
    """A transient failure (disk full, database or broker away): the item keeps its place and
    is tried again after a growing pause, for as long as it takes; its attempt count starts
    over, so the fault does not use up the attempts that guard against poison items."""
    delay = failures.retry_delay_ms(previous)
    log.warning("step %s for item %s failed (%s), transient: again in %.0f s",
                step, item_id, type(exc).__name__, delay / 1000)
    try:
        with session_scope() as session:
            session.execute(update(Item).where(Item.id == item_id, Item.status.in_(
                [s.value for s, name in STEP_FOR_STATUS.items() if name == step])).values(attempts=0))
    except Exception:  # noqa: BLE001  (the database may be what is away)
        log.debug("attempts of item %s not reset", item_id, exc_info=True)
    STEP_ACTORS[step].send_with_options(args=(item_id,), delay=delay, transient=previous + 1)


def mark_failed(item_id: int, step: str, exc: BaseException | str) -> None:
    """Park an item that a step cannot finish where staff see it, with the reason."""
    with session_scope() as session:
        item = session.get(Item, item_id)
        if item is not None and not Status(item.status).is_final:
            park(session, item, f"Technischer Fehler im Schritt „{step}“: {exc}", step)


# A chain from extraction on includes classifying and routing: the same time limit.
@dramatiq.actor(queue_name="extract", time_limit=15 * 60_000, **_RETRY)
def extract(item_id: int) -> None:
    _run("extract", item_id)


@dramatiq.actor(queue_name="pipeline", time_limit=60_000, **_RETRY)
def classify(item_id: int) -> None:
    _run("classify", item_id)


@dramatiq.actor(queue_name="pipeline", time_limit=60_000, **_RETRY)
def route(item_id: int) -> None:
    _run("route", item_id)


@dramatiq.actor(queue_name="pipeline", time_limit=60_000, **_RETRY)
def act(item_id: int) -> None:
    act_now(item_id)


def act_now(item_id: int, handoff: steps.Handoff | None = None, *, chain: bool = False) -> None:
    """Hand the item's pending outbox messages to the deliverers (step ``act``)."""
    planned = handoff.message_ids if handoff is not None else None
    for message_id in planned if planned is not None else outbox.pending_for_item(item_id):
        deliver.send(message_id)


@dramatiq.actor(queue_name="outbox", time_limit=5 * 60_000, max_retries=0)
def deliver(message_id: int) -> None:
    # Retries are the outbox's own (next_attempt_at + sweeper), so they survive restarts.
    with metrics.STAGE_SECONDS.labels(stage="deliver").time():
        outbox.deliver(message_id)


@dramatiq.actor(queue_name="maintenance", time_limit=6 * 3600_000, max_retries=0)
def retention() -> None:
    """The daily deletion run (store.retention); the sweeper sends it once a day."""
    from store import retention as store_retention
    from store.audit import acting_as
    from store.settings import get_settings

    with acting_as("system:retention"):
        report = store_retention.run_if_due(get_settings())
    if report is not None:
        log.info("retention: %d items deleted, %d on legal hold, %d blobs deleted",
                 len(report.deleted_items), report.held, report.deleted_blobs)


STEP_FUNCTIONS: dict[str, Callable[..., steps.Handoff | None]] = {
    "extract": steps.extract,
    "classify": steps.classify,
    "route": steps.route_item,
    "act": act_now,
}
STEP_ACTORS: dict[str, dramatiq.Actor] = {
    "extract": extract,
    "classify": classify,
    "route": route,
    "act": act,
}
ALL = [extract, classify, route, act, deliver, retention]
QUEUES = sorted({a.queue_name for a in ALL})


def start_pipeline(item_id: int) -> None:
    """Called by connectors after the item is committed; while the broker is down the
    message is kept and retried within seconds (worker.enqueue)."""
    from worker import enqueue

    enqueue.send(extract, item_id)
