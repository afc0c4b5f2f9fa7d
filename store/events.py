"""Append events to an item's history; changes by people and components outside the
pipeline are mirrored into the hash-chained audit trail (store.audit) without content."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from store import audit
from store.models import Event, Item, utcnow

# Machine actors (pipeline steps, connectors taking mail and scans in, the mailroom's
# automatic split): their history stays with the item and goes with it at the end of its
# retention period. Everything else — people, citizens' links, the CLI — is also an audit
# entry. Keeping intake out of the chain also keeps its serialised appends off the hot path.
MACHINE_ACTOR_PREFIXES = ("worker:", "connector:", "scanfolder:", "mailroom")
# People working an item (staff in the web app or at the CLI): their first change starts
# the clock of "time to first action"; looking at or downloading an item is no action.
PERSON_ACTOR_PREFIXES = ("web:", "cli:")
PASSIVE_KINDS = frozenset({"viewed", "downloaded", "exported"})
# Item-less events that are not configuration changes: their audit action and target.
SESSION_ACTIONS = {"login": "login", "login_failed": "login.failed", "logout": "logout",
                   "login_locked": "login.locked"}


def record(
    session: Session,
    item: Item | int | None,
    actor: str,
    kind: str,
    message: str | None = None,
    **details: Any,
) -> Event:
    if isinstance(item, Item) and item.id is None:
        session.flush([item])
    item_id = item.id if isinstance(item, Item) else item
    event = Event(item_id=item_id, actor=actor, kind=kind, message=message, details=details)
    session.add(event)
    if item_id and actor.startswith(PERSON_ACTOR_PREFIXES) and kind not in PASSIVE_KINDS:
        _first_action(session, item, event)
    if not actor.startswith(MACHINE_ACTOR_PREFIXES):
        if kind in SESSION_ACTIONS:
            action = SESSION_ACTIONS[kind]
            username = details.get("username") or actor.split(":", 1)[-1]
            target: str | None = f"user:{str(username)[:120]}"
        else:
            action, target = (f"item.{kind}" if item_id else f"config.{kind}"), None
        audit.append(session, action, item=item, actor=actor, target=target,
                     details=content_free(details))
    return event


def content_free(details: dict[str, Any]) -> dict[str, Any]:
    """What of an event's details may enter the audit trail: numbers, flags and short codes
    (queue keys, hashes, intents), never free text a person or citizen wrote."""
    return {key: value for key, value in details.items() if _is_code(value)}


def _is_code(value: Any) -> bool:
    if isinstance(value, str):
        return len(value) <= 64 and " " not in value
    return value is None or isinstance(value, bool | int | float)


def _first_action(session: Session, item: Item | int | None, event: Event) -> None:
    """Stamp the item's first action by a person (once); the dashboard's triggers count it."""
    now = utcnow()
    event.at = event.at or now
    if isinstance(item, Item):
        if item.first_action_at is None:
            item.first_action_at = event.at
        return
    session.execute(update(Item).where(Item.id == item, Item.first_action_at.is_(None))
                    .values(first_action_at=event.at).execution_options(synchronize_session=False))
