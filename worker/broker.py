"""Broker set-up from settings: in-process (embedded), RabbitMQ or Redis — one code path.

Actors are declared at import against a placeholder stub broker (worker.actors);
:func:`configure_broker` then binds them to the broker the settings ask for. That keeps
importing ``worker.actors`` free of connection attempts. Code below the actors (mailroom
re-splits, the sweeper) enqueues a step by its actor name (:func:`send_step`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from store.settings import Settings

log = logging.getLogger(__name__)


def make_broker(settings: Settings) -> dramatiq.Broker:
    url = settings.broker_url
    if not url:
        broker: dramatiq.Broker = StubBroker()
        broker.emit_after("process_boot")
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Publisher confirms: send() returns only once RabbitMQ has the message.
        broker = RabbitmqBroker(url=url, confirm_delivery=True)
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=settings.broker_namespace)
    else:
        raise ValueError(f"EINGANG_BROKER_URL: unbekanntes Schema in {url!r}")
    broker.add_middleware(CurrentMessage())
    return broker


def configure_broker(settings: Settings, actors: Iterable[dramatiq.Actor]) -> dramatiq.Broker:
    """Create the broker for ``settings`` and bind ``actors`` (worker.actors.ALL) to it."""
    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    for actor in actors:
        actor.broker = broker
        broker.declare_actor(actor)
    return broker


def send_step(step: str, item_id: int) -> bool:
    """Enqueue pipeline step ``step`` (its actor's name) for the item, after its commit.

    False when it could not be sent: the item waits in its status, and the sweeper sends the
    step again (the database, not the broker, knows what is left to do).
    """
    # Not dramatiq.get_broker(): without a configured broker it would make a RabbitMQ one.
    broker = dramatiq.broker.global_broker
    try:
        if broker is None:
            raise RuntimeError("no broker configured")
        broker.get_actor(step).send(item_id)
    except Exception:
        log.exception("item %s stored but step %s not enqueued; the sweeper will pick it up",
                      item_id, step)
        return False
    return True
