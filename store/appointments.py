"""Appointment slots per queue, offers, and booking/cancelling by signed single-use links.

A slot is never overbooked: booking is one conditional ``UPDATE … SET booked = booked + 1 WHERE
booked < capacity`` (plus a CHECK constraint), in the same transaction that consumes the link.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from time import monotonic
from zoneinfo import ZoneInfo

from sqlalchemy import Row, event, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from domain import Kommune
from store.models import Appointment, AppointmentSchedule, AppointmentSlot, LinkToken, utcnow

# Used where an admin has not configured a queue yet: weekday mornings, Thursday afternoon.
DEFAULT_HOURS = {
    "0": [["08:30", "12:00"]],
    "1": [["08:30", "12:00"]],
    "2": [["08:30", "12:00"]],
    "3": [["08:30", "12:00"], ["14:00", "17:30"]],
    "4": [["08:30", "12:00"]],
}


class BookingError(Exception):
    """A link cannot be used; ``message`` is German and shown to the citizen."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def schedule_for(session: Session, queue: str) -> AppointmentSchedule:
    # Remembered for the session: an offer asks several times, and a queue without a
    # schedule of its own would otherwise cost a query each time (None is not in the identity map).
    known = session.info.setdefault("appointment_schedules", {})
    if queue not in known:
        known[queue] = _load_schedule(session, queue)
    return known[queue]


def _load_schedule(session: Session, queue: str) -> AppointmentSchedule:
    schedule = session.get(AppointmentSchedule, queue)
    if schedule is None:
        schedule = AppointmentSchedule(
            queue=queue, hours=DEFAULT_HOURS, slot_minutes=45, capacity=1, holidays=[],
            min_lead_hours=24,
        )
    return schedule


def closed(schedule: AppointmentSchedule, day: date, kommune: Kommune) -> bool:
    """Closed by the admin (a closing day of the schedule) or a public holiday of the Kommune."""
    return day.isoformat() in (schedule.holidays or []) or kommune.is_public_holiday(day)


def slot_times(schedule: AppointmentSchedule, start: date, days: int,
               kommune: Kommune) -> list[tuple[datetime, datetime]]:
    """Every slot (UTC start, end) of the schedule on ``days`` days from ``start``, its hours in
    the Kommune's local time, none on the Kommune's public holidays."""
    tz = kommune.zone
    step = timedelta(minutes=schedule.slot_minutes)
    out = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        if closed(schedule, day, kommune):
            continue
        for begin, end in (schedule.hours or {}).get(str(day.weekday()), []):
            t = datetime.combine(day, time.fromisoformat(begin), tz)
            close = datetime.combine(day, time.fromisoformat(end), tz)
            while t + step <= close:
                out.append((t.astimezone(ZoneInfo("UTC")), (t + step).astimezone(ZoneInfo("UTC"))))
                t += step
    return out


# (database, queue, period, schedule) already ensured by this process, with the time it was.
_ENSURED: dict[tuple, float] = {}
_ENSURED_SECONDS = 300.0


def _ensured_key(session: Session, queue: str, start: date, days: int,
                 schedule: AppointmentSchedule, kommune: Kommune) -> tuple:
    shape = json.dumps(
        [schedule.hours, schedule.slot_minutes, schedule.capacity, schedule.holidays,
         kommune.holiday_region, kommune.timezone], sort_keys=True, default=str,
    )
    return (str(session.get_bind().url), queue, start, days, shape)


def ensure_slots(session: Session, queue: str, start: date, days: int) -> None:
    """Create the schedule's slots for the period where they do not exist yet (idempotent).

    Every offer calls this; inserting a month of slots each time cost more than the rest of
    routing, so a process remembers for a few minutes what it already ensured (a changed
    schedule has another key and is ensured at once).
    """
    from store.catalogue import current_catalogue

    schedule = schedule_for(session, queue)
    kommune = current_catalogue(session).kommune
    key = _ensured_key(session, queue, start, days, schedule, kommune)
    now = monotonic()
    if now - _ENSURED.get(key, -_ENSURED_SECONDS) < _ENSURED_SECONDS:
        return
    rows = [
        {"queue": queue, "starts_at": s, "ends_at": e, "capacity": schedule.capacity, "booked": 0}
        for s, e in slot_times(schedule, start, days, kommune)
    ]
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(AppointmentSlot).on_conflict_do_nothing(index_elements=["queue", "starts_at"])
    session.execute(stmt, rows)
    # Remembered only once committed: a rolled-back insert must be repeated next time.
    event.listen(session, "after_commit", lambda _s: _ENSURED.__setitem__(key, now), once=True)


@dataclass(frozen=True)
class Offer:
    token: str
    slots: list[Row]  # id, starts_at, ends_at, capacity of each offered slot
    expires_at: datetime


def offer(
    session: Session, queue: str, item_id: int | None, secret: str, now: datetime | None = None,
    count: int = 3, horizon_days: int = 28,
) -> Offer | None:
    """Two or three free slots on different days, and a booking link; None if none is free."""
    now = now or utcnow()
    schedule = schedule_for(session, queue)
    earliest = now + timedelta(hours=schedule.min_lead_hours)
    ensure_slots(session, queue, earliest.date(), horizon_days)
    chosen: list[Row] = []
    days: set[date] = set()
    # Plain rows, page by page: the first free slot of the next days is usually on the first
    # page; a queue booked out for days is read further (at most 200 slots, as before).
    page_size, scanned, after = 24, 0, None
    while len(chosen) < count and scanned < 200:
        page = session.execute(
            select(AppointmentSlot.id, AppointmentSlot.starts_at, AppointmentSlot.ends_at,
                   AppointmentSlot.capacity)
            .where(
                AppointmentSlot.queue == queue,
                AppointmentSlot.starts_at >= earliest if after is None
                else AppointmentSlot.starts_at > after,
                AppointmentSlot.booked < AppointmentSlot.capacity,
            )
            .order_by(AppointmentSlot.starts_at)
            .limit(page_size)
        ).all()
        for slot in page:  # spread over days so the citizen has a real choice
            if slot.starts_at.date() not in days:
                chosen.append(slot)
                days.add(slot.starts_at.date())
            if len(chosen) == count:
                break
        if len(page) < page_size:
            break
        scanned, after = scanned + len(page), page[-1].starts_at
    if not chosen:
        return None
    expires = min(chosen[0].starts_at, now + timedelta(days=14))
    token = issue_token(session, "book", secret, expires, item_id=item_id, slot_ids=[s.id for s in chosen])
    return Offer(token, chosen, expires)


# --- signed single-use links ------------------------------------------------------------------


def _sign(secret: str, payload: bytes) -> str:
    digest = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:20]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_token(
    session: Session, purpose: str, secret: str, expires_at: datetime, *,
    item_id: int | None = None, appointment_id: int | None = None, slot_ids: list[int] | None = None,
) -> str:
    nonce = secrets.token_urlsafe(18)
    session.add(LinkToken(
        nonce=nonce, purpose=purpose, item_id=item_id, appointment_id=appointment_id,
        slot_ids=slot_ids or [], expires_at=expires_at,
    ))
    payload = json.dumps({"n": nonce, "p": purpose, "e": int(expires_at.timestamp())}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")
    return f"{body}.{_sign(secret, body.encode())}"


def read_token(session: Session, token: str, purpose: str, secret: str, now: datetime | None = None) -> LinkToken:
    """Check signature, purpose, expiry and single use; raise BookingError (German) if not ok."""
    now = now or utcnow()
    body, _, signature = token.partition(".")
    if not signature or not hmac.compare_digest(signature, _sign(secret, body.encode())):
        raise BookingError("invalid", "Dieser Link ist ungültig. Bitte prüfen Sie, ob er vollständig ist.")
    try:
        payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError as exc:
        raise BookingError("invalid", "Dieser Link ist ungültig.") from exc
    row = session.get(LinkToken, payload.get("n"))
    if row is None or row.purpose != purpose or payload.get("p") != purpose:
        raise BookingError("invalid", "Dieser Link ist ungültig.")
    if row.used_at is not None:
        raise BookingError("used", "Dieser Link wurde bereits verwendet. Jeder Link gilt nur einmal.")
    if row.expires_at <= now:
        raise BookingError("expired", "Dieser Link ist abgelaufen. Bitte melden Sie sich bei uns für einen neuen Termin.")
    return row


def _consume(session: Session, nonce: str, now: datetime) -> None:
    """Mark the link used, atomically: of two concurrent uses exactly one gets here."""
    used = session.execute(
        update(LinkToken)
        .where(LinkToken.nonce == nonce, LinkToken.used_at.is_(None), LinkToken.expires_at > now)
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if used != 1:
        raise BookingError("used", "Dieser Link wurde bereits verwendet. Jeder Link gilt nur einmal.")


@dataclass(frozen=True)
class Booking:
    appointment: Appointment
    slot: AppointmentSlot
    cancel_token: str


def book(session: Session, token: str, slot_id: int, secret: str, now: datetime | None = None) -> Booking:
    """Book one of the offered slots. Call inside a transaction; on BookingError roll back."""
    now = now or utcnow()
    link = read_token(session, token, "book", secret, now)
    if slot_id not in (link.slot_ids or []):
        raise BookingError("invalid", "Dieser Termin wurde Ihnen nicht angeboten.")
    _consume(session, link.nonce, now)
    taken = session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == slot_id, AppointmentSlot.booked < AppointmentSlot.capacity)
        .values(booked=AppointmentSlot.booked + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise BookingError("full", "Dieser Termin ist leider gerade vergeben worden. Bitte wählen Sie einen anderen.")
    slot = session.get(AppointmentSlot, slot_id)
    appointment = Appointment(item_id=link.item_id, slot_id=slot_id, status="booked")
    session.add(appointment)
    session.flush()
    cancel_token = issue_token(session, "cancel", secret, slot.starts_at, item_id=link.item_id, appointment_id=appointment.id)
    return Booking(appointment, slot, cancel_token)


def cancel(session: Session, token: str, secret: str, now: datetime | None = None) -> Appointment:
    now = now or utcnow()
    link = read_token(session, token, "cancel", secret, now)
    _consume(session, link.nonce, now)
    appointment = session.get(Appointment, link.appointment_id)
    if appointment is None or appointment.status != "booked":
        raise BookingError("invalid", "Dieser Termin ist nicht mehr gebucht.")
    appointment.status = "cancelled"
    appointment.cancelled_at = now
    session.execute(
        update(AppointmentSlot)
        .where(AppointmentSlot.id == appointment.slot_id, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1)
        .execution_options(synchronize_session=False)
    )
    return appointment
