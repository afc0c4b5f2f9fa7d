"""The conversation of an item: every message received and sent for the case, in order, and
the person's other items (same sender, same case number) one click away.

Replies that joined the item keep their own row (status ``joined``: original, receipt time,
documents); the outbox holds what we sent. Other items are listed through
``admin.security.visible_items``, so nobody sees items of queues they have no access to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import false, func, or_, select
from sqlalchemy.orm import Session

from admin.security import visible_items
from store.enums import Status
from store.models import Document, Item, OutboxMessage, User

LETTER = "letter"  # documents.role of a paper reply (admin.paper)
OUTBOX_STATES = {"sent": "gesendet", "pending": "wird gesendet", "failed": "nicht zustellbar"}
RELATED_LIMIT = 20


@dataclass
class Message:
    incoming: bool
    at: datetime
    who: str  # sender (incoming) or recipient (outgoing)
    subject: str
    text: str
    item_id: int | None = None  # incoming: the row holding its original
    reference: str | None = None
    documents: list[Document] = field(default_factory=list)
    state: str | None = None  # outgoing: gesendet / wird gesendet / nicht zustellbar / Brief
    letter: bool = False  # outgoing on paper: the documents are the letter (PDF) to print


def replies(session: Session, case: Item) -> list[Item]:
    return list(session.scalars(
        select(Item).where(Item.thread_id == case.id, Item.status == Status.JOINED.value)
        .order_by(Item.received_at, Item.id)
    ))


def messages(session: Session, case: Item) -> list[Message]:
    """The case's first message, the replies that joined it and our mails, by time."""
    incoming = [case, *replies(session, case)]
    docs: dict[int, list[Document]] = {}
    letters: list[Document] = []
    for doc in session.scalars(
        select(Document).where(Document.item_id.in_([i.id for i in incoming])).order_by(Document.id)
    ):
        if doc.role == LETTER:
            letters.append(doc)
        elif doc.role != "derived" or doc.parent_id is None:
            docs.setdefault(doc.item_id, []).append(doc)
    found = [
        Message(True, i.received_at, " ".join(p for p in (i.sender_name, i.sender) if p) or "–",
                i.subject or "", i.text or "", i.id, i.reference, docs.get(i.id, []))
        for i in incoming
    ]
    for out in session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.item_id.in_([i.id for i in incoming]), OutboxMessage.kind == "email"
        )
    ):
        p: dict[str, Any] = out.payload or {}
        found.append(Message(False, out.sent_at or out.created_at, str(p.get("to") or "–"),
                             str(p.get("subject") or ""), str(p.get("body") or ""),
                             state=OUTBOX_STATES.get(out.status, out.status)))
    for doc in letters:
        subject, _, body = (doc.text or "").partition("\n\n")
        found.append(Message(False, doc.created_at, "per Post", subject, body, documents=[doc],
                             state="Brief zum Drucken", letter=True))
    return sorted(found, key=lambda m: m.at)


def belongs_to(session: Session, case: Item, item_id: int) -> bool:
    """Is ``item_id`` the case or one of the replies that joined it?"""
    if item_id == case.id:
        return True
    row = session.execute(select(Item.thread_id, Item.status).where(Item.id == item_id)).first()
    return row is not None and row.thread_id == case.id and row.status == Status.JOINED.value


def related(session: Session, user: User, case: Item) -> list[Any]:
    """The person's other items: same sender address, same case number, or linked to this
    one (split off, merged) — only in queues the user may see; newest first."""
    links = [Item.thread_id == case.id, Item.id == case.thread_id if case.thread_id else false()]
    if case.sender and "@" in case.sender:
        links.append(func.lower(Item.sender) == case.sender.strip().lower())
    if case.case_ref:
        links.append(Item.case_ref == case.case_ref)
    stmt = (
        select(Item.id, Item.reference, Item.subject, Item.received_at, Item.status, Item.queue)
        .where(or_(*links), Item.id != case.id, Item.status != Status.JOINED.value)
        .order_by(Item.id.desc())
        .limit(RELATED_LIMIT)
    )
    return list(session.execute(visible_items(stmt, user)))
