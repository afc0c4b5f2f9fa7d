"""The item history as staff read it (the German names of its event kinds: admin.event_labels):
no "viewed" line for a page shown again right after the same person's own action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import Event

# A page shown again within this time after the same person's own event on the item (the
# redirect after an action, a reload) is no new look at the data: the trail already has them.
REVIEW_WINDOW = timedelta(minutes=10)


def needs_view_record(session: Session, item_id: int, actor: str) -> bool:
    last = session.execute(
        select(Event.actor, Event.at).where(Event.item_id == item_id).order_by(Event.id.desc()).limit(1)
    ).first()
    if last is None or last.actor != actor:
        return True
    at = last.at if last.at.tzinfo else last.at.replace(tzinfo=UTC)
    return datetime.now(UTC) - at > REVIEW_WINDOW
