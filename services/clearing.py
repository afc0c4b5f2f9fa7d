"""The Clearing-Stelle's decision: one call routes the item, plans its follow-up and teaches.

The one use case behind the item page's „Entscheiden“ and ``eingang clearing``. The decision is
stored on the item (with who decided and why), as an event, and as a labelled example for the
classifier. The follow-up messages are written in the same transaction; the caller hands their
ids to :func:`send_planned` after the commit.
"""

from __future__ import annotations

import logging

from domain import CLEARING
from routing import RoutingDecision
from store.db import session_scope
from store.events import record
from store.models import Item, TrainingExample, utcnow
from store.settings import Settings
from worker.actions import plan_actions
from worker.broker import send
from worker.rules import active_router, routing_config

log = logging.getLogger(__name__)


class ClearingError(ValueError):
    """The decision cannot be applied; the message (German) says why."""


def decide(settings: Settings, item_id: int, queue: str, actor: str, referral_to: str | None = None,
           note: str | None = None) -> list[int]:
    """Route ``item_id`` to ``queue``; returns the ids of the planned outbox messages."""
    if queue == "extern" and not referral_to:
        raise ClearingError("Für eine Verweisung bitte die zuständige Stelle angeben.")
    with session_scope(settings) as session:
        # The follow-up as the ACTIVE rule set would choose it where no rule did: its
        # Leistungsform for the queue (the catalogue's unless it overrides it).
        rule_set = active_router(session, routing_config(settings, session)).rule_set
        if queue not in (*rule_set.leistungsform, "extern") or queue == CLEARING:
            raise ClearingError(f"Unbekannte Warteschlange „{queue}“.")
        item = session.get(Item, item_id)
        if item is None:
            raise ClearingError(f"Vorgang {item_id} gibt es nicht.")
        if item.queue != CLEARING:
            raise ClearingError("Nur Vorgänge der Clearing-Stelle werden so entschieden.")
        before = item.queue
        form = rule_set.leistungsform.get(queue)
        action = rule_set.default_follow_up(queue, form)
        previous = item.decision or {}
        why = f"Clearing-Stelle ({actor}): an {queue}" + (f", Verweisung an {referral_to}" if referral_to else "")
        decision = RoutingDecision(
            queue=queue, action=action, intent=item.intent, urgent=item.urgent,
            referral_to=referral_to if queue == "extern" else None, leistungsform=form,
            priority=int(previous.get("priority", 0)), tags=list(previous.get("tags", [])),
            matched_rules=list(previous.get("matched_rules", [])),
            explanation=[*previous.get("explanation", []), why + (f" – {note}" if note else "") + "."],
            deciding_rule=None, classifier=previous.get("classifier", {}), trace=previous.get("trace", []),
            rule_set=previous.get("rule_set"),
        )
        item.queue, item.action, item.referral_to = queue, action, decision.referral_to
        # A person's decision: who and when, shown on the item page instead of "rules".
        item.decision = {**decision.to_dict(), "decided_by": actor, "decided_at": utcnow().isoformat()}
        messages = plan_actions(item, decision, settings)
        session.add_all(messages)
        session.add(TrainingExample(
            item_id=item.id, channel=item.channel, subject=item.subject, text=item.text or "",
            queue=queue, intent=item.intent, urgent=item.urgent, source="clearing", created_by=actor,
        ))
        record(session, item, actor, "clearing_decided", why, before=before, queue=queue,
               action=action, referral_to=decision.referral_to, note=note)
        session.flush()
        return [m.id for m in messages]


def send_planned(message_ids: list[int]) -> None:
    """Enqueue the delivery of committed outbox messages; one that cannot be enqueued now
    stays pending and the sweeper sends it."""
    for message_id in message_ids:
        try:
            send("deliver", message_id)
        except Exception:  # noqa: BLE001
            log.exception("outbox message %s not enqueued", message_id)
