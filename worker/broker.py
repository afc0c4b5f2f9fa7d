"""Broker set-up from settings: in-process (embedded), RabbitMQ or Redis — one code path.

Actors are declared at import against a placeholder stub broker; :func:`configure_broker`
then binds them to the broker the settings ask for. That keeps importing ``worker.actors``
free of side effects (no connection attempts at import).
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage

from store.settings import Settings

# Placeholder so that @dramatiq.actor never creates dramatiq's default RabbitMQ broker.
dramatiq.set_broker(StubBroker())


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


def configure_broker(settings: Settings) -> dramatiq.Broker:
    """Create the broker for ``settings`` and bind all of eingang's actors to it."""
    from worker import actors

    broker = make_broker(settings)
    dramatiq.set_broker(broker)
    for actor in actors.ALL:
        actor.broker = broker
        broker.declare_actor(actor)
    return broker
