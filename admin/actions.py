"""What staff do to an item: each action changes the item and records who, when and why.

A correction of the machine's decision (re-route, new intent or urgency) is also stored as a
``TrainingExample`` so the classifier learns from it. These functions take an open session;
the caller commits (one transaction per request).
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from store.catalogue import current_catalogue
from store.enums import Status
from store.events import record
from store.models import Item, TrainingExample, User, utcnow
from store.settings import Settings
from store.users import get_user


class ActionError(Exception):
    """The action is not possible; the message (German) says why."""


def queue_names(session: Session) -> dict[str, str]:
    """Queue key → display name of the catalogue's active offices, in the catalogue's order."""
    return {o.key: o.label for o in current_catalogue(session).active_offices}


def intent_names(session: Session | None = None) -> dict[str, str]:
    """Intent key → label of the intents staff can choose (the active ones; the labels of
    retired ones are in every page's ``INTENTS``)."""
    return {i.key: i.label for i in current_catalogue(session).active_intents}


def _learn(session: Session, item: Item, user: User, source: str) -> None:
    session.add(TrainingExample(
        item_id=item.id, channel=item.channel, subject=item.subject,
        text=item.text or item.full_text or "", queue=item.queue, intent=item.intent,
        urgent=item.urgent, source=source, created_by=user.username,
    ))


def reroute(session: Session, item: Item, user: User, queue: str, reason: str) -> None:
    reason = reason.strip()
    if not reason:
        raise ActionError("Bitte geben Sie einen Grund für die Umleitung an.")
    if queue not in queue_names(session):
        raise ActionError(f"Unbekannte Zuständigkeit „{queue}“.")
    if queue == item.queue:
        raise ActionError("Der Vorgang liegt bereits dort.")
    before = item.queue
    item.queue = queue
    # The replies that joined the item are its messages: they move with it.
    session.execute(update(Item).where(Item.thread_id == item.id, Item.status == Status.JOINED.value)
                    .values(queue=queue).execution_options(synchronize_session=False))
    if item.status not in (Status.DONE.value,):
        item.status = Status.ROUTED.value
    # The machine's decision stays as it was (with its explanation); the correction beside it.
    item.decision = {**(item.decision or {}), "corrected_queue": queue, "corrected_by": user.username,
                     "corrected_at": utcnow().isoformat(), "correction_reason": reason}
    _learn(session, item, user, "reroute")
    record(session, item, f"web:{user.username}", "rerouted",
           f"Umgeleitet von {before or '–'} an {queue}. Grund: {reason}",
           before=before, after=queue, reason=reason)


# What staff read in the history when they change an item's urgency: (before, after).
URGENCY_CHANGES = {
    ("nicht dringend", "dringend"): "jetzt dringend",
    ("dringend", "nicht dringend"): "nicht mehr dringend",
    ("vielleicht dringend", "dringend"): "Dringlichkeit bestätigt",
    ("vielleicht dringend", "nicht dringend"): "nicht dringend (Vermutung verworfen)",
}


def _urgency(item: Item) -> str:
    if not item.urgent:
        return "nicht dringend"
    return "vielleicht dringend" if item.urgent_guessed else "dringend"


def relabel(session: Session, item: Item, user: User, intent: str | None, urgent: bool | None,
            reason: str = "") -> None:
    changes: dict[str, object] = {}
    if intent is not None and intent != item.intent:
        if intent not in intent_names(session):
            raise ActionError(f"Unbekannte Anliegenart „{intent}“.")
        changes["intent"] = (item.intent, intent)
        item.intent = intent
    if urgent is not None and (urgent != item.urgent or item.urgent_guessed):
        # A person's word settles the model's guess either way ("vielleicht dringend").
        changes["urgent"] = (_urgency(item), "dringend" if urgent else "nicht dringend")
        item.urgent, item.urgent_guessed = urgent, False
    if not changes:
        raise ActionError("Es wurde nichts geändert.")
    _learn(session, item, user, "relabel")
    parts = []
    if "intent" in changes:
        parts.append(f"Anliegenart: {changes['intent'][0] or '–'} → {intent}")
    if "urgent" in changes:
        parts.append(URGENCY_CHANGES[changes["urgent"]])
    record(session, item, f"web:{user.username}", "relabeled",
           "; ".join(parts) + (f". Grund: {reason.strip()}" if reason.strip() else ""),
           **{k: {"before": v[0], "after": v[1]} for k, v in changes.items()})


def assign(session: Session, item: Item, user: User, username: str) -> None:
    username = username.strip()
    if username and get_user(session, username) is None:
        raise ActionError(f"Benutzer „{username}“ gibt es nicht.")
    before = item.assigned_to
    item.assigned_to = username or None
    record(session, item, f"web:{user.username}", "assigned",
           f"Zugewiesen an {username}" if username else "Zuweisung aufgehoben",
           before=before, after=item.assigned_to)


def add_note(session: Session, item: Item, user: User, text: str) -> None:
    text = text.strip()
    if not text:
        raise ActionError("Die Notiz ist leer.")
    record(session, item, f"web:{user.username}", "note", text[:5000])


def mark_done(session: Session, item: Item, user: User, reason: str = "") -> None:
    if item.status == Status.DONE.value:
        raise ActionError("Der Vorgang ist bereits erledigt.")
    before = item.status
    item.status = Status.DONE.value
    record(session, item, f"web:{user.username}", "done",
           "Als erledigt markiert" + (f": {reason.strip()}" if reason.strip() else ""), before=before)


def reopen(session: Session, item: Item, user: User) -> None:
    if item.status != Status.DONE.value:
        raise ActionError("Der Vorgang ist nicht erledigt.")
    item.status = Status.ROUTED.value if item.queue else Status.NEEDS_ATTENTION.value
    record(session, item, f"web:{user.username}", "reopened", "Wieder geöffnet")


# Templates staff can send by hand (worker/templates/<name>.txt, overridable by EINGANG_TEMPLATE_DIR).
REPLY_TEMPLATES = {
    "antwort": "Freie Antwort (Text unten)",
    "eingangsbestaetigung": "Eingangsbestätigung",
    "verweisung": "Verweisung an die zuständige Stelle",
}


def compose_reply(session: Session, item: Item, user: User, template: str, text: str,
                  settings: Settings) -> tuple[str, str, str]:
    """(to, subject, body) of a reply as it will be sent: for the preview and for sending."""
    from admin.replies import sending_unit, split_reply
    from worker.followups import _common, citizen_address
    from worker.forwarding import referral_phrase
    from worker.mail import referral_hint, render

    mail, catalogue = settings.mail, current_catalogue(None, settings)
    if template not in REPLY_TEMPLATES:
        raise ActionError("Unbekannte Vorlage.")
    to = citizen_address(item)
    if not to:
        raise ActionError("Keine E-Mail-Adresse bekannt: bitte schriftlich oder telefonisch antworten.")
    if template == "antwort" and not text.strip():
        raise ActionError("Bitte den Antworttext eingeben.")
    reply = split_reply(text)
    subject, body = render(
        mail, template, **_common(item, catalogue), text=reply.text, greeting=reply.greeting,
        staff_name=user.display_name, unit=sending_unit(user, item, queue_names(session)),
        referral_to=item.referral_to, referral_phrase=referral_phrase(item.referral_to, catalogue),
        reply_text=(item.decision or {}).get("reply_text"),
        hint=referral_hint(mail, item.referral_to, catalogue), consultation_link=None,
    )
    return to, subject, body


def reply_from_template(session: Session, item: Item, user: User, template: str, text: str,
                        settings: Settings) -> int:
    """Plan an email to the citizen in the outbox (delivered with retries); returns its id."""
    import uuid

    from worker.mail import email_message

    to, subject, body = compose_reply(session, item, user, template, text, settings)
    message = email_message(item, f"reply:{item.id}:{uuid.uuid4().hex[:12]}", to, subject, body)
    session.add(message)
    session.flush()
    record(session, item, f"web:{user.username}", "reply_planned",
           f"Antwort „{REPLY_TEMPLATES[template]}“ an {to} in den Postausgang gelegt",
           template=template, outbox=message.id)
    return message.id


def offer_appointment(session: Session, item: Item, user: User, settings: Settings) -> int:
    """Offer the citizen free slots of the item's queue by email (booking link); returns the
    outbox id."""
    import uuid

    from routing import RoutingDecision
    from worker.followups import citizen_address, plan_offer_appointment

    if not citizen_address(item):
        raise ActionError("Keine E-Mail-Adresse bekannt: bitte den Termin telefonisch vereinbaren.")
    messages = plan_offer_appointment(item, RoutingDecision(queue=item.queue or "", action="offer_appointment"),
                                      settings)
    if not messages:
        raise ActionError("Für diese Zuständigkeit sind keine freien Termine eingerichtet.")
    message = messages[0]
    message.dedupe_key = f"offer:{item.id}:staff:{uuid.uuid4().hex[:12]}"
    session.add(message)
    session.flush()
    record(session, item, f"web:{user.username}", "appointment_offered",
           "Terminangebot per E-Mail in den Postausgang gelegt", outbox=message.id)
    return message.id
