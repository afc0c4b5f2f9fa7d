"""Booking and cancelling appointments by link, without login (German pages in the public
layout: the stylesheet from /static, so our own CSP lets it apply).

Mounted by the app factory (``app.include_router(booking.router)``). Every link is signed,
single use and expires; a refused link gets a clear German page, never a stack trace. The
page says which office, what for, where and under which reference; a slot taken meanwhile
offers the others (or new ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.state import web_settings
from admin.templating import render
from store.appointments import BookingError, book, cancel, offer, read_token, schedule_for
from store.catalogue import current_catalogue
from store.db import session_scope
from store.events import record
from store.models import Appointment, AppointmentSlot, Item
from store.settings import Settings

router = APIRouter()
_STATUS = {"invalid": 404, "used": 410, "expired": 410, "full": 409}


@dataclass
class About:
    """What the appointment is for, as the citizen reads it."""

    office: str
    purpose: str
    place: str
    reference: str | None


def place_of(session: Session, queue: str, settings: Settings) -> str:
    return (schedule_for(session, queue).location or settings.appointment_location
            or current_catalogue(session, settings).kommune.address)


def about(session: Session, item_id: int | None, queue: str, settings: Settings) -> About:
    catalogue = current_catalogue(session, settings)
    item = session.get(Item, item_id) if item_id else None
    if item is not None and item.intent:
        purpose = (f"Gespräch zu Ihrem Anliegen ({catalogue.intent_label(item.intent)}) "
                   f"vom {item.received_at:%d.%m.%Y}")
    else:
        purpose = "Beratungsgespräch"
    return About(catalogue.queue_name(queue), purpose, place_of(session, queue, settings),
                 item.reference if item else None)


def _page(request: Request, name: str, status: int = 200, **context: object):  # type: ignore[no-untyped-def]
    return render(request, f"public/{name}.html", status_code=status,
                  kommune=current_catalogue(None, web_settings(request)).kommune.name, **context)


def _refused(request: Request, exc: BookingError, title: str):  # type: ignore[no-untyped-def]
    return _page(request, "booking_message", _STATUS.get(exc.code, 400), title=title, message=exc.message)


def _free_offered(session: Session, slot_ids: list[int]) -> list[AppointmentSlot]:
    return list(session.scalars(
        select(AppointmentSlot)
        .where(AppointmentSlot.id.in_(slot_ids), AppointmentSlot.booked < AppointmentSlot.capacity)
        .order_by(AppointmentSlot.starts_at)
    ))


def _choose(request: Request, session: Session, token: str, notice: str | None = None, status: int = 200):  # type: ignore[no-untyped-def]
    from worker.followups import when_text

    settings = web_settings(request)
    link = read_token(session, token, "book", settings.secret_key)
    slots = _free_offered(session, link.slot_ids or [])
    if not slots:
        queue = session.scalar(select(AppointmentSlot.queue).where(AppointmentSlot.id.in_(link.slot_ids or [0])))
        fresh = offer(session, queue, link.item_id, settings.secret_key) if queue else None
        if fresh is None:
            return _page(request, "booking_message", 409, title="Termin buchen",
                         message="Die angebotenen Termine sind leider vergeben, und zurzeit ist kein "
                                 "anderer frei. Bitte antworten Sie auf unsere E-Mail; wir melden uns.")
        return RedirectResponse(f"/termin/{fresh.token}?neu=1", status_code=303)
    info = about(session, link.item_id, slots[0].queue, settings)
    choices = [(s.id, when_text(s.starts_at, s.ends_at)) for s in slots]
    return _page(request, "booking_choose", status, title="Termin buchen", slots=choices, about=info,
                 notice=notice, token=token)


@router.get("/termin/{token}")
def choose(request: Request, token: str, neu: int = 0):  # type: ignore[no-untyped-def]
    notice = ("Die zuerst angebotenen Termine sind vergeben. Wir haben Ihnen neue Termine "
              "herausgesucht.") if neu else None
    with session_scope(web_settings(request)) as session:
        try:
            return _choose(request, session, token, notice)
        except BookingError as exc:
            return _refused(request, exc, "Termin buchen")


@router.post("/termin/{token}")
def book_slot(request: Request, token: str, slot_id: int = Form(...)):  # type: ignore[no-untyped-def]
    from worker.followups import confirmation_message, when_text

    settings = web_settings(request)
    try:
        with session_scope(settings) as session:
            booking = book(session, token, slot_id, settings.secret_key)
            message = confirmation_message(session, booking, settings)
            if message is not None:
                session.add(message)
            when = when_text(booking.slot.starts_at, booking.slot.ends_at)
            info = about(session, booking.appointment.item_id, booking.slot.queue, settings)
            record(session, booking.appointment.item_id, "buerger:link", "appointment_booked",
                   f"Termin gebucht: {when}", appointment_id=booking.appointment.id, slot_id=slot_id)
    except BookingError as exc:  # the transaction is rolled back: the link stays usable if full
        if exc.code != "full":
            return _refused(request, exc, "Termin buchen")
        with session_scope(settings) as session:
            try:
                return _choose(request, session, token, notice=exc.message, status=409)
            except BookingError as again:
                return _refused(request, again, "Termin buchen")
    return _page(request, "booking_done", title="Termin gebucht", when=when, about=info,
                 mailed=message is not None)


@router.get("/termin/absagen/{token}")
def confirm_cancel(request: Request, token: str):  # type: ignore[no-untyped-def]
    from worker.followups import when_text

    settings = web_settings(request)
    with session_scope(settings) as session:
        try:
            link = read_token(session, token, "cancel", settings.secret_key)
        except BookingError as exc:
            return _refused(request, exc, "Termin absagen")
        appointment = session.get(Appointment, link.appointment_id)
        slot = session.get(AppointmentSlot, appointment.slot_id) if appointment else None
        when = when_text(slot.starts_at, slot.ends_at) if slot else "—"
        info = about(session, link.item_id, slot.queue, settings) if slot else None
    return _page(request, "booking_cancel", title="Termin absagen", when=when, about=info)


@router.post("/termin/absagen/{token}")
def cancel_slot(request: Request, token: str):  # type: ignore[no-untyped-def]
    settings = web_settings(request)
    try:
        with session_scope(settings) as session:
            appointment = cancel(session, token, settings.secret_key)
            record(session, appointment.item_id, "buerger:link", "appointment_cancelled",
                   "Termin abgesagt", appointment_id=appointment.id)
    except BookingError as exc:
        return _refused(request, exc, "Termin absagen")
    return _page(request, "booking_message", title="Termin abgesagt",
                 message="Ihr Termin ist abgesagt. Vielen Dank, dass Sie uns Bescheid gegeben haben.")
