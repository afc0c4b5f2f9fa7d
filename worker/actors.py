"""The pipeline as one table of steps, and the dramatiq actors declared from it at start-up.

The status in the database is the truth, the message only says "do step X for item N":
a lost message is re-sent by the sweeper, a duplicate does nothing (see worker.transitions).
Retries and parking an item that keeps failing are the broker's middleware
(worker.retries.StepRetries), not the steps' business. The settings the steps run with are
handed in once, when the actors are declared (:func:`bind`); a message carries only the item.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

import dramatiq
from sqlalchemy import select, update

from store import metrics
from store.db import session_scope
from store.enums import Status
from store.models import Item
from store.settings import Settings
from worker import failures
from worker.broker import ByName, send
from worker.pipeline import ActInput, Step, StepInput
from worker.retries import StepRetries
from worker.transitions import park

log = logging.getLogger(__name__)

MAX_RETRIES = 3
MIN_BACKOFF_MS = 1_000  # the first retry's delay; dramatiq doubles it for each further one


def _retry() -> dict[str, int]:
    # Read at start-up (bind), not at import: a test may lower them before it.
    return {"max_retries": MAX_RETRIES, "min_backoff": MIN_BACKOFF_MS, "max_backoff": 30_000}


def act_now(item_id: int, given: ActInput | None = None, *, chain: bool = False,
            settings: Settings) -> None:
    """Hand the item's pending outbox messages to the deliverers (step ``act``)."""
    from worker import outbox

    planned = given.message_ids if given is not None else None
    for message_id in planned if planned is not None else outbox.pending_for_item(item_id, settings):
        send("deliver", message_id)


StepFunction = Callable[..., StepInput | None]


def _in_steps(name: str, module: str = "worker.steps") -> StepFunction:
    """``<module>.<name>``, imported when a step first runs: a command that only sends
    messages (``eingang ingest`` with a broker) declares the actors without the parsers, the
    OCR and the classifier behind them (0.4 s of its 1.3 s; issue 16), and the extract step
    (worker.extract_step) runs before the classifier and the routing have loaded."""
    def run(*args: Any, **kwargs: Any) -> StepInput | None:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    run.__name__ = run.__qualname__ = name
    return run


@dataclass(frozen=True)
class StepSpec:
    """One pipeline step: the status it takes an item from and moves it to, what runs, and
    on which broker queue its messages wait (a worker may serve some queues only)."""

    step: Step
    source: Status | None  # None: the step does not move the item (act: routed stays routed)
    target: Status | None
    run: StepFunction
    queue: str
    time_limit_ms: int


STEPS: tuple[StepSpec, ...] = (
    # A chain from extraction on includes classifying and routing: the same time limit.
    StepSpec(Step.EXTRACT, Status.RECEIVED, Status.EXTRACTED, _in_steps("extract", "worker.extract_step"), "extract", 15 * 60_000),
    StepSpec(Step.CLASSIFY, Status.EXTRACTED, Status.CLASSIFIED, _in_steps("classify"), "pipeline", 60_000),
    StepSpec(Step.ROUTE, Status.CLASSIFIED, Status.ROUTED, _in_steps("route_item"), "pipeline", 60_000),
    StepSpec(Step.ACT, None, None, act_now, "pipeline", 60_000),
)
SPEC = {spec.step: spec for spec in STEPS}
# What the runner calls for each step (an index of STEPS; tests replace one to make it fail).
STEP_FUNCTIONS: dict[str, StepFunction] = {spec.step: spec.run for spec in STEPS}
# The step that moves an item on out of each non-final status (for the sweeper).
STEP_FOR_STATUS: dict[Status, Step] = {spec.source: spec.step for spec in STEPS if spec.source}


def _run(step: Step, item_id: int, settings: Settings) -> None:
    """Run ``step`` for the item, then go straight on with the steps after it in this thread.

    A broker round trip per step cost more than classifying or routing itself, and added its
    latency. Nothing is lost by chaining: until the chain ends, this step's message is not
    acknowledged, so a killed worker's message comes back and (the item having moved on)
    forwards the step the item waits for. A chained step that raises gets a message of its
    own instead, with its own retries. An exception of the first step is left to the
    middleware (retry with backoff, or park the item).
    """
    given = _step(step, item_id, None, settings)
    if given is None:
        # The step had nothing to do: the item is elsewhere. If it sits in another non-final
        # status, the message for that step may have died with a killed worker after the
        # commit, so go on with that step here (a duplicate run is harmless: it changes nothing).
        pending = _pending_step(item_id, step, settings)
        next_step = pending
    else:
        next_step = given.step
    while next_step is not None:
        try:
            given = _step(next_step, item_id, given, settings)
        except Exception:
            log.warning("step %s failed for item %s, retried by its own message",
                        next_step, item_id, exc_info=True)
            send(next_step, item_id)
            return
        next_step = given.step if given is not None else None


def _step(step: Step, item_id: int, given: StepInput | None, settings: Settings) -> StepInput | None:
    with metrics.STAGE_SECONDS.labels(stage=step).time():
        return STEP_FUNCTIONS[step](item_id, given, chain=True, settings=settings)


def _pending_step(item_id: int, current: Step, settings: Settings) -> Step | None:
    with session_scope(settings) as session:
        status = session.scalar(select(Item.status).where(Item.id == item_id))
    step = STEP_FOR_STATUS.get(Status(status)) if status else None
    return step if step != current else None


def retry_later(step: Step, item_id: int, previous: int, exc: BaseException, settings: Settings) -> None:
    """A transient failure (disk full, database or broker away): the item keeps its place and
    is tried again after a growing pause, for as long as it takes; its attempt count starts
    over, so the fault does not use up the attempts that guard against poison items."""
    delay = failures.retry_delay_ms(previous)
    log.warning("step %s for item %s failed (%s), transient: again in %.0f s",
                step, item_id, type(exc).__name__, delay / 1000)
    try:
        with session_scope(settings) as session:
            session.execute(update(Item).where(Item.id == item_id, Item.status.in_(
                [s.value for s, name in STEP_FOR_STATUS.items() if name == step])).values(attempts=0))
    except Exception:  # noqa: BLE001  (the database may be what is away)
        log.debug("attempts of item %s not reset", item_id, exc_info=True)
    broker = dramatiq.get_broker()
    broker.get_actor(step).send_with_options(args=(item_id,), delay=delay, transient=previous + 1)


def mark_failed(item_id: int, step: str, exc: BaseException | str, settings: Settings) -> None:
    """Park an item that a step cannot finish where staff see it, with the reason."""
    with session_scope(settings) as session:
        item = session.get(Item, item_id)
        if item is not None and not Status(item.status).is_final:
            park(session, item, f"Technischer Fehler im Schritt „{step}“: {exc}", step)


def give_up(message: dramatiq.Message, exc: BaseException, *, settings: Settings) -> bool:
    """StepRetries: a step's retries are used up. A transient fault (worker.failures) is tried
    again later for as long as it lasts; otherwise the item is parked with the reason. Either
    way the message is done with; other actors' messages fail."""
    if message.actor_name not in SPEC:
        return False
    item_id = message.args[0]
    if failures.is_transient(exc):
        retry_later(Step(message.actor_name), item_id, message.options.get("transient", 0), exc, settings)
        return True
    log.error("step %s failed for item %s, giving up", message.actor_name, item_id, exc_info=exc)
    mark_failed(item_id, message.actor_name, exc, settings)
    return True


def deliver(message_id: int, *, settings: Settings) -> None:
    # Retries are the outbox's own (next_attempt_at + sweeper), so they survive restarts.
    from worker import outbox

    with metrics.STAGE_SECONDS.labels(stage="deliver").time():
        outbox.deliver(message_id, settings)


def retention(*, settings: Settings) -> None:
    """The daily deletion run (store.retention); the sweeper sends it once a day."""
    from store import retention as store_retention
    from store.audit import acting_as

    with acting_as("system:retention"):
        report = store_retention.run_if_due(settings)
    if report is not None:
        log.info("retention: %d items deleted, %d on legal hold, %d blobs deleted",
                 len(report.deleted_items), report.held, report.deleted_blobs)


def _bound(fn: Callable[..., None], name: str, settings: Settings) -> Callable[..., None]:
    def run(*args: Any) -> None:
        fn(*args, settings=settings)

    run.__name__ = run.__qualname__ = name
    return run


def actors(settings: Settings) -> tuple[tuple[str, Callable[..., None], str, dict[str, Any]], ...]:
    """Every actor: name, function (bound to ``settings``), queue, options. Outbox and
    retention retry on their own schedules (next_attempt_at, the daily run), so their messages
    are never retried."""
    return (
        *((str(s.step), _bound(partial(_run, s.step), str(s.step), settings), s.queue,
           {"time_limit": s.time_limit_ms}) for s in STEPS if s.step != Step.ACT),
        ("act", _bound(act_now, "act", settings), "pipeline", {"time_limit": 60_000}),
        ("deliver", _bound(deliver, "deliver", settings), "outbox",
         {"time_limit": 5 * 60_000, "max_retries": 0}),
        ("retention", _bound(retention, "retention", settings), "maintenance",
         {"time_limit": 6 * 3600_000, "max_retries": 0}),
    )


QUEUES = sorted({spec.queue for spec in STEPS} | {"outbox", "maintenance"})


def bind(broker: dramatiq.Broker, settings: Settings) -> None:
    """Start-up: the retry middleware and every actor, declared on ``broker`` with the
    settings their steps run with."""
    retry = _retry()
    broker.add_middleware(StepRetries(partial(give_up, settings=settings), **retry))
    for name, fn, queue, options in actors(settings):
        # The steps retry (StepRetries); outbox and retention set max_retries=0 themselves.
        dramatiq.Actor(fn, broker=broker, actor_name=name, queue_name=queue, priority=0,
                       options={**retry, **options})


def start_pipeline(item_id: int) -> None:
    """Called by connectors after the item is committed; while the broker is down the
    message is kept and retried within seconds (worker.enqueue)."""
    from worker import enqueue

    enqueue.send(ByName(Step.EXTRACT), item_id)
