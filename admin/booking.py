"""Booking and cancelling appointments by link, without login (minimal pages, German).

Mounted by the app factory (``app.include_router(booking.router)``). Every link is signed,
single use and expires; a refused link gets a clear German page, never a stack trace.
"""

from __future__ import annotations

import jinja2
from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from store.appointments import BookingError, book, cancel, read_token, schedule_for
from store.catalogue import current_catalogue
from store.db import session_scope
from store.events import record
from store.models import AppointmentSlot
from store.settings import get_settings

router = APIRouter()

_PAGES = jinja2.Environment(
    autoescape=True,
    loader=jinja2.DictLoader({
        "layout": """<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{{ title }}</title>
<style>body{font-family:sans-serif;max-width:38rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
label{display:block;margin:.4rem 0}button{margin-top:1rem;padding:.5rem 1rem}</style></head>
<body><h1>{{ title }}</h1>{% block body %}{% endblock %}<p><small>{{ kommune }}</small></p></body></html>""",
        "choose": """{% extends "layout" %}{% block body %}
<p>Bitte wählen Sie einen der angebotenen Termine.</p>
<form method="post">{% for id, text in slots %}
<label><input type="radio" name="slot_id" value="{{ id }}" required {% if loop.first %}checked{% endif %}> {{ text }}</label>
{% endfor %}<button type="submit">Termin verbindlich buchen</button></form>
{% if location %}<p>Ort: {{ location }}</p>{% endif %}{% endblock %}""",
        "message": """{% extends "layout" %}{% block body %}<p>{{ message }}</p>{% endblock %}""",
        "confirm_cancel": """{% extends "layout" %}{% block body %}
<p>Möchten Sie Ihren Termin am {{ when }} absagen?</p>
<form method="post"><button type="submit">Termin absagen</button></form>{% endblock %}""",
    }),
)
_STATUS = {"invalid": 404, "used": 410, "expired": 410, "full": 409}


def _page(name: str, status: int = 200, **context: object) -> HTMLResponse:
    html = _PAGES.get_template(name).render(kommune=current_catalogue().kommune.name, **context)
    return HTMLResponse(html, status_code=status)


def _refused(exc: BookingError, title: str) -> HTMLResponse:
    return _page("message", _STATUS.get(exc.code, 400), title=title, message=exc.message)


@router.get("/termin/{token}", response_class=HTMLResponse)
def choose(token: str) -> HTMLResponse:
    from worker.followups import when_text

    settings = get_settings()
    with session_scope() as session:
        try:
            link = read_token(session, token, "book", settings.secret_key)
        except BookingError as exc:
            return _refused(exc, "Termin buchen")
        slots = session.scalars(
            select(AppointmentSlot)
            .where(AppointmentSlot.id.in_(link.slot_ids), AppointmentSlot.booked < AppointmentSlot.capacity)
            .order_by(AppointmentSlot.starts_at)
        ).all()
        if not slots:
            return _page("message", 409, title="Termin buchen",
                         message="Die angebotenen Termine sind leider vergeben. Bitte antworten Sie auf "
                                 "unsere E-Mail, wir schlagen Ihnen neue Termine vor.")
        location = schedule_for(session, slots[0].queue).location
        choices = [(s.id, when_text(s.starts_at, s.ends_at)) for s in slots]
    return _page("choose", title="Termin buchen", slots=choices, location=location)


@router.post("/termin/{token}", response_class=HTMLResponse)
def book_slot(token: str, slot_id: int = Form(...)) -> HTMLResponse:
    from worker.followups import confirmation_message, when_text

    settings = get_settings()
    try:
        with session_scope() as session:
            booking = book(session, token, slot_id, settings.secret_key)
            message = confirmation_message(session, booking)
            if message is not None:
                session.add(message)
            when = when_text(booking.slot.starts_at, booking.slot.ends_at)
            record(session, booking.appointment.item_id, "buerger:link", "appointment_booked",
                   f"Termin gebucht: {when}", appointment_id=booking.appointment.id, slot_id=slot_id)
    except BookingError as exc:  # the transaction is rolled back: the link stays usable if full
        return _refused(exc, "Termin buchen")
    confirmation = " Sie erhalten eine Bestätigung per E-Mail." if message is not None else ""
    return _page("message", title="Termin gebucht", message=f"Ihr Termin: {when}.{confirmation}")


@router.get("/termin/absagen/{token}", response_class=HTMLResponse)
def confirm_cancel(token: str) -> HTMLResponse:
    from worker.followups import when_text

    settings = get_settings()
    with session_scope() as session:
        try:
            link = read_token(session, token, "cancel", settings.secret_key)
        except BookingError as exc:
            return _refused(exc, "Termin absagen")
        from store.models import Appointment

        appointment = session.get(Appointment, link.appointment_id)
        slot = session.get(AppointmentSlot, appointment.slot_id) if appointment else None
        when = when_text(slot.starts_at, slot.ends_at) if slot else "—"
    return _page("confirm_cancel", title="Termin absagen", when=when)


@router.post("/termin/absagen/{token}", response_class=HTMLResponse)
def cancel_slot(token: str) -> HTMLResponse:
    settings = get_settings()
    try:
        with session_scope() as session:
            appointment = cancel(session, token, settings.secret_key)
            record(session, appointment.item_id, "buerger:link", "appointment_cancelled",
                   "Termin abgesagt", appointment_id=appointment.id)
    except BookingError as exc:
        return _refused(exc, "Termin absagen")
    return _page("message", title="Termin abgesagt", message="Ihr Termin ist abgesagt. Vielen Dank für Ihre Nachricht.")
