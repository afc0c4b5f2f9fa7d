"""The follow-up of a routing decision, planned as outbox messages (worker.actions registry).

- ``auto_process``: acknowledgement with our reference (and a voluntary consultation offer),
  hand-over to the Fachverfahren (webhook and/or drop folder, as configured);
- ``offer_appointment``: two or three concrete slots with a booking link;
- ``refer``: where to go instead (template per ``referral_to``);
- ``clearing``: nothing leaves the house; the Clearing-Stelle works the item.
Planners run inside the routing transaction, so the messages commit with the decision.
"""

from __future__ import annotations

import base64
from datetime import datetime
from functools import partial

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy.orm import Session, object_session

from domain import Catalogue, format_reference
from routing import RoutingDecision
from store.appointments import Booking, offer, schedule_for
from store.blobs import blob_store
from store.catalogue import current_catalogue
from store.events import record
from store.localdays import LOCAL_ZONE  # the Kommune's zone, kept in one place
from store.models import Item, OutboxMessage
from store.settings import OutgoingMailSettings, Settings
from worker import forwarding
from worker.exporters import export_record
from worker.letter_senders import sender_only_in_text, writer_name
from worker.mail import email_message, referral_hint, render

WEEKDAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]


def reference(item: Item) -> str:
    return item.reference or format_reference(item.received_at.year, item.id)


def citizen_address(item: Item) -> str | None:
    address = (item.contact or {}).get("email") or item.sender
    return address if address and "@" in address else None


def when_text(start: datetime, end: datetime) -> str:
    s, e = start.astimezone(LOCAL_ZONE), end.astimezone(LOCAL_ZONE)
    return f"{WEEKDAYS[s.weekday()]}, {s:%d.%m.%Y}, {s:%H:%M}–{e:%H:%M} Uhr"


def greeted_name(item: Item, catalogue: Catalogue) -> str | None:
    """The name a reply greets: the sender's as the channel gave it or the classification
    found it; for a letter or fax without one, the name in its letterhead or under it (not a
    phone note's: its text is what staff wrote down)."""
    if not sender_only_in_text(item, catalogue):
        return item.sender_name
    return writer_name(item.text or "")


def _common(item: Item, catalogue: Catalogue) -> dict:
    office = catalogue.office(item.queue)
    return {
        "reference": reference(item),
        "kommune": catalogue.kommune.name,
        "name": greeted_name(item, catalogue),
        "queue_name": catalogue.queue_name(item.queue),
        # The Anliegenart, for templates that say more for some (``{% if intent == "…" %}``).
        "intent": item.intent,
        "intent_name": catalogue.intent_label(item.intent) if item.intent else "",
        "signature": office.signature if office else "",
        "contact": office.contact if office else None,
        "received": item.received_at.astimezone(LOCAL_ZONE).strftime("%d.%m.%Y um %H:%M Uhr"),
        "case_ref": item.case_ref,
    }


def _place(schedule, mail: OutgoingMailSettings, catalogue: Catalogue) -> str:  # type: ignore[no-untyped-def]
    """Where the appointment is: the office's own place, else the Kommune's default."""
    return schedule.location or mail.appointment_location or catalogue.kommune.address


def _session(item: Item) -> Session:
    session = object_session(item)
    if session is None:
        raise RuntimeError("planners run inside the routing transaction")
    return session


def booking_link(settings: Settings, token: str) -> str:
    return f"{settings.public_url}/termin/{token}"


def plan_auto_process(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    catalogue = current_catalogue(object_session(item), settings)
    messages = []
    to = citizen_address(item)
    if to:
        # Digital-First: after the automated part, a voluntary consultation offer.
        consultation = offer(_session(item), item.queue or "", item.id, settings.secret_key)
        subject, body = render(
            settings.mail, "eingangsbestaetigung", **_common(item, catalogue),
            consultation_link=booking_link(settings, consultation.token) if consultation else None,
        )
        messages.append(email_message(item, f"ack:{item.id}", to, subject, body))
    # Built only where a Fachverfahren takes it: it reads the item's documents.
    record = export_record(item) if settings.export_webhook_url or settings.export_drop_dir else None
    if settings.export_webhook_url:
        messages.append(OutboxMessage(
            item_id=item.id, kind="webhook", dedupe_key=f"export-webhook:{item.id}",
            payload={"record": record},
        ))
    if settings.export_drop_dir:
        messages.append(OutboxMessage(
            item_id=item.id, kind="drop_folder", dedupe_key=f"export-drop:{item.id}",
            payload={"record": record},
        ))
    return messages


def plan_offer_appointment(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    catalogue = current_catalogue(object_session(item), settings)
    to = citizen_address(item)
    if not to:
        return []  # letter or phone: staff call or write; the item sits in its queue
    session = _session(item)
    proposal = offer(session, item.queue or "", item.id, settings.secret_key)
    if proposal is None:
        return []
    schedule = schedule_for(session, item.queue or "")
    subject, body = render(
        settings.mail, "terminangebot", **_common(item, catalogue),
        slots=[when_text(s.starts_at, s.ends_at) for s in proposal.slots],
        booking_link=booking_link(settings, proposal.token),
        expires=proposal.expires_at.astimezone(LOCAL_ZONE).strftime("%d.%m.%Y %H:%M Uhr"),
        location=_place(schedule, settings.mail, catalogue),
    )
    return [email_message(item, f"offer:{item.id}", to, subject, body)]


def plan_refer(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    catalogue = current_catalogue(object_session(item), settings)
    if forwarding.is_application(item):
        return plan_forward(item, decision, settings)
    to = citizen_address(item)
    if not to:
        return []
    subject, body = render(
        settings.mail, "verweisung", **_common(item, catalogue), referral_to=decision.referral_to,
        referral_phrase=forwarding.referral_phrase(decision.referral_to, catalogue),
        reply_text=decision.reply_text, hint=referral_hint(settings.mail, decision.referral_to, catalogue),
    )
    return [email_message(item, f"refer:{item.id}", to, subject, body)]


def plan_forward(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    """§ 16 Abs. 2 SGB I: forward the application (its receipt date stays), tell the citizen."""
    catalogue = current_catalogue(object_session(item), settings)
    body = decision.referral_to
    when = forwarding.received_texts(item.received_at, LOCAL_ZONE)
    address = forwarding.forwarding_address(body, catalogue)
    messages = []
    if address:
        messages.append(forwarding.forward_message(item, body or "", address, partial(render, settings.mail),
                                                    {**_common(item, catalogue), **when}, blob_store(settings)))
        record(_session(item), item, "worker:route", "forwarded",
               f"Antrag nach § 16 Abs. 2 SGB I an {body} weitergeleitet; Eingang {when['received_day']} bleibt maßgeblich",
               to=body)
    else:
        item.status_reason = (f"Antrag nach § 16 Abs. 2 SGB I an {forwarding.referral_phrase(body, catalogue, True)} weiterleiten "
                              f"(keine Adresse hinterlegt): bitte von Hand weiterleiten, Eingang "
                              f"{when['received_day']} angeben, dann als erledigt markieren.")
    to = citizen_address(item)
    if to:
        subject, text = render(
            settings.mail, "weiterleitung", **{**_common(item, catalogue), **when}, forwarded=bool(address),
            referral_phrase=forwarding.referral_phrase(body, catalogue),
            forward_phrase=forwarding.referral_phrase(body, catalogue, accusative=True),
            hint=referral_hint(settings.mail, body, catalogue),
        )
        messages.append(email_message(item, f"refer:{item.id}", to, subject, text))
    return messages


def calendar_file(booking: Booking, location: str | None, cancel_link: str, kommune: str) -> bytes:
    """iCalendar of a booked appointment. The title names no office and no topic: a calendar
    is often shared or shown on a lock screen (Sozialgeheimnis)."""
    cal = Calendar()
    cal.add("prodid", "-//eingang//Terminbuchung//DE")
    cal.add("version", "2.0")
    event = CalendarEvent()
    event.add("uid", f"termin-{booking.appointment.id}@eingang")
    event.add("summary", f"Termin – {kommune}")
    event.add("dtstart", booking.slot.starts_at)
    event.add("dtend", booking.slot.ends_at)
    event.add("dtstamp", booking.appointment.created_at)
    if location:
        event.add("location", location)
    event.add("description", f"Absagen: {cancel_link}")
    cal.add_component(event)
    return cal.to_ical()


def confirmation_message(session: Session, booking: Booking, settings: Settings) -> OutboxMessage | None:
    """The booking confirmation with an .ics attachment, written with the booking."""
    catalogue = current_catalogue(session, settings)
    item = session.get(Item, booking.appointment.item_id) if booking.appointment.item_id else None
    to = citizen_address(item) if item else None
    if item is None or to is None:
        return None
    schedule = schedule_for(session, booking.slot.queue)
    cancel_link = f"{settings.public_url}/termin/absagen/{booking.cancel_token}"
    subject, body = render(
        settings.mail, "terminbestaetigung", **_common(item, catalogue),
        when=when_text(booking.slot.starts_at, booking.slot.ends_at),
        location=_place(schedule, settings.mail, catalogue), cancel_link=cancel_link,
    )
    ics = calendar_file(booking, _place(schedule, settings.mail, catalogue), cancel_link, catalogue.kommune.name)
    attachment = {
        "filename": "termin.ics",
        "content_type": "text/calendar",
        "data_b64": base64.b64encode(ics).decode(),
    }
    return email_message(
        item.id, f"confirm:{booking.appointment.id}", to, subject, body, attachments=[attachment]
    )
