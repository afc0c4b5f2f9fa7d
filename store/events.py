"""Append events to an item's history (the audit trail the Sozialdatenschutz asks for)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store.models import Event, Item


def record(
    session: Session,
    item: Item | int | None,
    actor: str,
    kind: str,
    message: str | None = None,
    **details: Any,
) -> Event:
    item_id = item.id if isinstance(item, Item) else item
    event = Event(item_id=item_id, actor=actor, kind=kind, message=message, details=details)
    session.add(event)
    return event
