"""Append events to an item's history; changes by people and components outside the
pipeline are mirrored into the hash-chained audit trail (store.audit) without content."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from store import audit
from store.models import Event, Item

# Machine actors (pipeline steps, connectors taking mail and scans in, the mailroom's
# automatic split): their history stays with the item and goes with it at the end of its
# retention period. Everything else — people, citizens' links, the CLI — is also an audit
# entry. Keeping intake out of the chain also keeps its serialised appends off the hot path.
MACHINE_ACTOR_PREFIXES = ("worker:", "connector:", "scanfolder:", "mailroom")
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
