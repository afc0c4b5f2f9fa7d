"""Broker set-up from settings: in-process (embedded), RabbitMQ or Redis — one code path.

Nothing is declared at import: at start-up :func:`configure_broker` makes the broker the
settings ask for and hands it to ``bind`` (worker.actors.bind), which adds the retry
middleware and declares the actors. Everyone else enqueues by actor name (:func:`send`),
so importing a module never needs, or makes, a broker.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import Retries, default_middleware

from store.settings import Settings

log = logging.getLogger(__name__)


def _middleware() -> list[dramatiq.Middleware]:
    # dramatiq's defaults without its Retries: retrying and giving up are worker.retries's.
    return [m() for m in default_middleware if m is not Retries]


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if not url:
        broker: dramatiq.Broker = StubBroker(middleware=_middleware())
        broker.emit_after("process_boot")
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Publisher confirms: send() returns only once RabbitMQ has the message.
        broker = RabbitmqBroker(url=url, confirm_delivery=True, middleware=_middleware())
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=settings.broker_namespace, middleware=_middleware())
    else:
        raise ValueError(f"EINGANG_BROKER_URL: unbekanntes Schema in {url!r}")
    return broker


def configure_broker(settings: Settings,
                     bind: Callable[[dramatiq.Broker, Settings], None]) -> dramatiq.Broker:
    """Create the broker for ``settings``, let ``bind`` declare the actors on it (with the
    settings their steps run with), make it the one :func:`send` uses."""
    from worker import enqueue

    broker = make_broker(settings)
    bind(broker, settings)
    dramatiq.set_broker(broker)
    enqueue.record_outages_in(settings)
    return broker


def send(actor: str, *args: object) -> None:
    """Enqueue a message for ``actor`` (by name) on the configured broker; raises if it cannot."""
    # Not dramatiq.get_broker(): without a configured broker it would make a RabbitMQ one.
    broker = dramatiq.broker.global_broker
    if broker is None:
        raise RuntimeError("no broker configured")
    broker.get_actor(actor).send(*args)


@dataclass(frozen=True)
class ByName:
    """An actor by its name on the configured broker, for worker.enqueue (which holds the
    messages of a broker outage and sends them once it is back)."""

    name: str

    def send(self, *args: object) -> None:
        send(self.name, *args)


def send_step(step: str, item_id: int) -> bool:
    """Enqueue pipeline step ``step`` for the item, after its commit.

    False when it could not be sent: the item waits in its status, and the sweeper sends the
    step again (the database, not the broker, knows what is left to do).
    """
    try:
        send(step, item_id)
    except Exception:
        log.exception("item %s stored but step %s not enqueued; the sweeper will pick it up",
                      item_id, step)
        return False
    return True
