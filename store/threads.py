"""Replies join their case: by Message-ID headers or by our reference in the subject.

Our outgoing mails carry the reference twice: in the subject (``[EIN-2026-000123]``) and in
their Message-ID (``<EIN-2026-000123.…@…>``), so a reply threads back even when the citizen's
mail program drops one of them.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import record
from store.models import Item

REFERENCE = re.compile(r"\bEIN-\d{4}-\d{6}\b")


def find_thread_root(
    session: Session,
    item: Item,
    in_reply_to: str | None,
    references: list[str],
    subject: str,
) -> Item | None:
    """The item this one answers, or None. The newest referenced Message-ID wins."""
    ids = [i for i in [in_reply_to, *reversed(references)] if i]
    for message_id in ids:
        found = session.scalars(
            select(Item).where(Item.message_id == message_id, Item.id != item.id).order_by(Item.id)
        ).first()
        if found is not None:
            return found
    for text in [*ids, subject or ""]:
        for reference in REFERENCE.findall(text):
            found = session.scalars(
                select(Item).where(Item.reference == reference, Item.id != item.id)
            ).first()
            if found is not None:
                return found
    return None


def link_thread(
    session: Session,
    item: Item,
    in_reply_to: str | None,
    references: list[str],
    subject: str,
) -> Item | None:
    """Attach ``item`` to the case it replies to (``thread_id`` = the case's first item)."""
    if item.thread_id is not None:
        return None
    found = find_thread_root(session, item, in_reply_to, references, subject)
    if found is None:
        return None
    root_id = found.thread_id or found.id
    if root_id == item.id:
        return None
    item.thread_id = root_id
    root = session.get(Item, root_id)
    record(
        session,
        item,
        "worker:extract",
        "threaded",
        f"Antwort zu Vorgang {root.reference if root else root_id}",
        thread_id=root_id,
    )
    return root
