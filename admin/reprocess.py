"""„Erneut verarbeiten“: staff send a parked item through the pipeline again, from the step
it was parked in (or from the start), once whatever stopped it has been put right."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from admin.actions import ActionError
from store.enums import Status
from store.events import record
from store.models import Event, Item, User
from worker.actors import STEP_FOR_STATUS

_STATUS_BEFORE = {step: status for status, step in STEP_FOR_STATUS.items()}


def parked_step(session: Session, item: Item) -> str:
    """The pipeline step that parked the item; extraction when it was parked elsewhere."""
    actor = session.scalar(
        select(Event.actor).where(Event.item_id == item.id, Event.kind == "needs_attention")
        .order_by(Event.id.desc()).limit(1)
    )
    step = actor.split(":", 1)[1] if actor and actor.startswith("worker:") else ""
    return str(step) if step in _STATUS_BEFORE else "extract"


def reprocess(session: Session, item: Item, user: User) -> str:
    """Put the item back before its step; returns the step for the caller to enqueue after
    the commit."""
    if item.status != Status.NEEDS_ATTENTION.value:
        raise ActionError("Nur Vorgänge, die Aufmerksamkeit brauchen, können erneut verarbeitet werden.")
    step = parked_step(session, item)
    item.status = _STATUS_BEFORE[step].value
    item.status_reason = None
    item.attempts = 0
    record(session, item, f"web:{user.username}", "reprocess", "Erneut verarbeiten", step=step)
    return step
