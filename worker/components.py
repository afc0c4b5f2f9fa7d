"""Which follow-ups a routing action plans, and which deliverer sends each outbox message kind.

One table each, in one place: adding a follow-up or a hand-over is one line here. Tables
rather than registration calls at import, so nothing has to be imported first for a routing
decision to plan its follow-ups or for a delivery to find its way (``worker.actions`` plans in
the decision's transaction, ``worker.outbox`` delivers with retries).
"""

from __future__ import annotations

from collections.abc import Callable

from routing import RoutingDecision
from store.models import Item, OutboxMessage
from store.settings import Settings
from worker import followups, xdomea_export
from worker.exporters import deliver_drop_folder, deliver_webhook
from worker.mail import deliver_email

# Both are handed the settings the worker runs with (mail relay, public address, hand-over).
Planner = Callable[[Item, RoutingDecision, Settings], list[OutboxMessage]]
Deliverer = Callable[[OutboxMessage, Settings], None]

# In this order: the acknowledgement is planned before the hand-overs.
PLANNERS: dict[str, tuple[Planner, ...]] = {
    "auto_process": (followups.plan_auto_process, xdomea_export.plan_xdomea),
    "offer_appointment": (followups.plan_offer_appointment, xdomea_export.plan_xdomea),
    "refer": (followups.plan_refer,),
}
DELIVERERS: dict[str, Deliverer] = {
    "email": deliver_email,
    "webhook": deliver_webhook,
    "drop_folder": deliver_drop_folder,
    xdomea_export.KIND: xdomea_export.deliver_xdomea,
}
