"""A citizen's reply joins its case instead of becoming a case of its own.

The extract step links a reply to its case (``store.threads.link_thread``: only from the
case's own address or naming one of our Message-IDs). The route step then, instead of
routing the reply by rules, makes it one message of that case's conversation:

- the reply keeps its own original and receipt time (its row stays, status ``joined``), and
  follows the case's office — no new reference is handed out, no acknowledgement is sent;
- the case comes back to the top of the inbox (``activity_at``) marked as having a new
  message (``unread_since``) until someone opens it;
- a closed case is reopened (a reply to a closed case is new work, and reopening stops the
  retention clock, so the conversation is kept as one);
- an urgent reply (Notlage, Frist) makes the case urgent: emergencies jump the queue
  whatever the route.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.enums import Status
from store.events import record
from store.models import Event, Item
from worker.transitions import advance


class CaseNotRoutedYet(RuntimeError):
    """A reply arrived before its case was routed: try again shortly."""


def joins_case(session: Session, item: Item) -> bool:
    """Did the extract step link this item to a case as a reply? (A split-off part also
    carries a ``thread_id``, but is an item of its own.)"""
    if item.thread_id is None:
        return False
    return session.scalar(
        select(Event.id).where(Event.item_id == item.id, Event.kind == "threaded").limit(1)
    ) is not None


def join(session: Session, item_id: int, claimed: Item) -> Item | None:
    """Make the classified reply ``claimed`` a message of its case. None if the step lost
    the race (the item moved on meanwhile)."""
    case = session.get(Item, claimed.thread_id, with_for_update=True)
    if case is None:  # deleted since extraction: the reply is routed as an item of its own
        return None
    if not Status(case.status).is_final:
        # The case itself is still on its way (both arrived at once): its office is not
        # known yet. The step is retried with backoff; the case is routed within seconds.
        raise CaseNotRoutedYet(f"case {case.id} of reply {item_id} is still in the pipeline")
    reply = advance(
        session, item_id, Status.CLASSIFIED, Status.JOINED,
        queue=case.queue, action=None, referral_to=None,
        decision={"joined": case.id, "explanation": [
            f"Antwort zu Vorgang {case.reference}: dem Vorgang zugeordnet, keine eigene "
            "Eingangsbestätigung."
        ]},
    )
    if reply is None:
        return None
    reopened = case.status == Status.DONE.value
    if reopened:
        case.status = Status.ROUTED.value if case.queue else Status.NEEDS_ATTENTION.value
    if case.activity_at is None or reply.received_at > case.activity_at:
        case.activity_at = reply.received_at
    case.unread_since = case.unread_since or reply.received_at
    if reply.urgent and (not case.urgent or (case.urgent_guessed and not reply.urgent_guessed)):
        # A certain urgency of the reply outweighs the case's guessed one; a guessed one only
        # marks a case that was not urgent at all.
        case.urgent_guessed = reply.urgent_guessed
        case.urgent = True
        case.urgent_reasons = [*(case.urgent_reasons or []), *(reply.urgent_reasons or [])]
    record(session, reply, "worker:route", "joined",
           f"Als Nachricht zu Vorgang {case.reference} übernommen", case=case.id)
    record(session, case, "worker:route", "reply_joined",
           "Neue Nachricht eingegangen" + (" – Vorgang wieder geöffnet" if reopened else "")
           + (" – dringend" if reply.urgent else ""), reply=reply.id, reopened=reopened)
    return reply


def messages(session: Session, case: Item) -> list[Item]:
    """The incoming messages of a case in order of receipt: the case itself, then its replies."""
    replies = session.scalars(
        select(Item)
        .where(Item.thread_id == case.id, Item.status == Status.JOINED.value)
        .order_by(Item.received_at, Item.id)
    )
    return [case, *replies]
