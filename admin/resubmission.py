"""Wiedervorlage: staff set an item aside until a day (with an optional note).

Until then the inbox's default view leaves it out (a new message from the citizen brings it
back at once); from that day on it stands at the top of its group, marked "Wiedervorlage",
because its ``activity_at`` — the inbox's order — is the Wiedervorlage moment. Clearing it
gives the item back the receipt of its latest message as ``activity_at``.

Not to be confused with an office's ``follow_up`` (Folgeschritt: acknowledge, offer an
appointment, …): that is what the pipeline does after routing, this is a person's reminder.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from admin.actions import ActionError
from admin.templating import LOCAL
from store.enums import Status
from store.events import record
from store.models import Item, User

NOTE_MAX = 500
# The start of the working day the item is due again (local time).
MORNING = time(7, 0)


def parse_day(value: str, today: date) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ActionError("Bitte ein Datum für die Wiedervorlage angeben.") from exc
    if day <= today:
        raise ActionError("Die Wiedervorlage muss nach dem heutigen Tag liegen.")
    if (day - today).days > 366:
        raise ActionError("Die Wiedervorlage darf höchstens ein Jahr in der Zukunft liegen.")
    return day


def set_aside(session: Session, item: Item, user: User, day_text: str, note: str = "",
              now: datetime | None = None) -> datetime:
    """Set (or move) the item's Wiedervorlage to the morning of ``day_text`` (YYYY-MM-DD)."""
    now = now or datetime.now(UTC)
    if item.status == Status.DONE.value:
        raise ActionError("Ein erledigter Vorgang braucht keine Wiedervorlage.")
    day = parse_day(day_text, now.astimezone(LOCAL).date())
    at = datetime.combine(day, MORNING, LOCAL).astimezone(UTC)
    note = " ".join(note.split())[:NOTE_MAX]
    before = item.resubmit_at
    item.resubmit_at, item.resubmit_note, item.resubmit_by = at, note or None, user.username
    item.activity_at = at  # the inbox's order: at the top of its group from that moment on
    german = day.strftime("%d.%m.%Y")
    record(session, item, f"web:{user.username}", "resubmission",
           f"Wiedervorlage am {german}" + (f": {note}" if note else "")
           + (" (verschoben)" if before else ""),
           at=at.isoformat(), moved=before is not None)
    return at


def clear(session: Session, item: Item, user: User, why: str = "erledigt") -> None:
    """The Wiedervorlage is done (or dropped): the item sorts by its latest message again."""
    if item.resubmit_at is None:
        raise ActionError("Für diesen Vorgang ist keine Wiedervorlage gesetzt.")
    drop(session, item)
    record(session, item, f"web:{user.username}", "resubmission_cleared", f"Wiedervorlage {why}")


def drop(session: Session, item: Item) -> None:
    """Remove the Wiedervorlage without a history line of its own (the item is being closed)."""
    if item.resubmit_at is None:
        return
    item.resubmit_at = item.resubmit_note = item.resubmit_by = None
    latest = session.scalar(select(func.max(Item.received_at))
                            .where(Item.thread_id == item.id, Item.status == Status.JOINED.value))
    item.activity_at = max(filter(None, (item.received_at, latest)))
