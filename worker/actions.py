"""Side effects of a routing decision, planned as outbox messages in the decision's transaction.

The follow-up actions themselves (acknowledgement, hand-over to the Fachverfahren, appointment
offers, referral answers) are listed in ``worker.components.PLANNERS`` by action name; each
returns the outbox messages to write. Delivery happens later in ``worker.outbox`` with retries.
"""

from __future__ import annotations

from routing import RoutingDecision
from store.models import Item, OutboxMessage
from store.settings import Settings
from worker.components import PLANNERS


def plan_actions(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    messages: list[OutboxMessage] = []
    for planner in PLANNERS.get(decision.action, ()):
        messages.extend(planner(item, decision, settings))
    return messages
