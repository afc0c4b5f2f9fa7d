"""Side effects of a routing decision, planned as outbox messages in the decision's transaction.

The follow-up actions themselves (acknowledgement, hand-over to the Fachverfahren, appointment
offers, referral answers) are registered in ``ACTION_PLANNERS`` by action name; each returns
the outbox messages to write. Delivery happens later in ``worker.outbox`` with retries.
"""

from __future__ import annotations

from collections.abc import Callable

from routing import RoutingDecision
from store.models import Item, OutboxMessage

Planner = Callable[[Item, RoutingDecision], list[OutboxMessage]]

ACTION_PLANNERS: dict[str, list[Planner]] = {}


def register_planner(action: str, planner: Planner) -> None:
    ACTION_PLANNERS.setdefault(action, []).append(planner)


def plan_actions(item: Item, decision: RoutingDecision) -> list[OutboxMessage]:
    messages: list[OutboxMessage] = []
    for planner in ACTION_PLANNERS.get(decision.action, []):
        messages.extend(planner(item, decision))
    return messages


# The follow-ups (acknowledgement, hand-over, appointment offer, referral) register themselves.
from worker import followups, xdomea_export  # noqa: E402, F401
