"""Replies join their case: by Message-ID headers or by our reference in the subject.

Our outgoing mails carry the reference twice: in the subject (``[EIN-2026-000123]``) and in
their Message-ID (``<EIN-2026-000123.<mac>@…>``), so a reply threads back even when the
citizen's mail program drops one of them.

A reference is easy to copy, so a reference alone does not pull a mail into a case: the reply
joins only when it comes from the case's own address (the sender of one of its mails, or the
address a form gave us), or when it names a Message-ID we really sent for that case — the
``mac`` in our Message-IDs is keyed with the secret key, so it cannot be made up. Otherwise the
mail stays an item of its own with a hint for staff, who can still merge it by hand. A
reference we no longer hold (the case was deleted after its retention period) also leaves a
new item, with a note saying so.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import record
from store.models import Item, OutboxMessage

REFERENCE = re.compile(r"\bEIN-\d{4}-\d{6}\b")
_OUR_MESSAGE_ID = re.compile(r"<?(EIN-\d{4}-\d{6})\.([0-9a-f]{24})@")


def message_id_mac(dedupe_key: str, secret: str) -> str:
    """The part of our Message-ID that proves we sent it (stable per outbox message), keyed
    with the installation's secret key."""
    return hmac.new(secret.encode(), dedupe_key.encode(), hashlib.sha256).hexdigest()[:24]


@dataclass
class ReplyLink:
    """What a mail's threading headers and subject say about the case it answers."""

    named: Item | None = None  # the item the mail refers to (possibly forged)
    via_our_message_id: bool = False  # names a Message-ID we sent for that case
    missing_reference: str | None = None  # a reference we do not (or no longer) hold


def find_thread_root(
    session: Session,
    item: Item,
    in_reply_to: str | None,
    references: list[str],
    subject: str,
    secret: str,
) -> Item | None:
    """The item this one answers, or None. The newest referenced Message-ID wins."""
    return _find(session, item, in_reply_to, references, subject, secret).named


def _find(
    session: Session, item: Item, in_reply_to: str | None, references: list[str], subject: str,
    secret: str,
) -> ReplyLink:
    ids = [i for i in [in_reply_to, *reversed(references)] if i]
    for message_id in ids:
        found = session.scalars(
            select(Item).where(Item.message_id == message_id, Item.id != item.id).order_by(Item.id)
        ).first()
        if found is not None:
            return ReplyLink(found)
    missing = None
    for message_id in ids:  # one of our own mails
        ours = _OUR_MESSAGE_ID.search(message_id)
        if ours is None:
            continue
        found = _by_reference(session, item, ours.group(1))
        if found is None:
            missing = missing or ours.group(1)
            continue
        return ReplyLink(found, via_our_message_id=_we_sent(session, found, ours.group(2), secret))
    for text in [*ids, subject or ""]:
        for reference in REFERENCE.findall(text):
            found = _by_reference(session, item, reference)
            if found is not None:
                return ReplyLink(found)
            missing = missing or reference
    return ReplyLink(missing_reference=missing)


def _by_reference(session: Session, item: Item, reference: str) -> Item | None:
    return session.scalars(
        select(Item).where(Item.reference == reference, Item.id != item.id)
    ).first()


def _we_sent(session: Session, case: Item, mac: str, secret: str) -> bool:
    keys = session.scalars(
        select(OutboxMessage.dedupe_key).where(
            OutboxMessage.item_id == case.id, OutboxMessage.kind == "email"
        )
    )
    return any(hmac.compare_digest(message_id_mac(key, secret), mac) for key in keys)


def _address(value: str | None) -> str:
    return (value or "").strip().lower()


def case_addresses(session: Session, root: Item) -> set[str]:
    """The addresses that belong to a case: its mails' senders and the address a form gave."""
    senders = session.scalars(
        select(Item.sender).where((Item.id == root.id) | (Item.thread_id == root.id))
    )
    found = {_address(s) for s in senders}
    found.add(_address((root.contact or {}).get("email")))
    found.discard("")
    return found


def link_thread(
    session: Session,
    item: Item,
    in_reply_to: str | None,
    references: list[str],
    subject: str,
    secret: str,
) -> Item | None:
    """Attach ``item`` to the case it replies to (``thread_id`` = the case's first item).

    Returns the case when the reply may join it; otherwise None, with a hint for staff in
    ``item.problems`` where the mail names a case it may not join or one we no longer hold.
    """
    if item.thread_id is not None:
        return None
    link = _find(session, item, in_reply_to, references, subject, secret)
    if link.named is None:
        if link.missing_reference:
            _hint(
                item,
                f"Die Nachricht bezieht sich auf Vorgang {link.missing_reference}, der nicht "
                "(mehr) gespeichert ist – etwa nach Ablauf der Aufbewahrungsfrist gelöscht. "
                "Sie wurde daher als neuer Vorgang angelegt.",
            )
        return None
    root_id = link.named.thread_id or link.named.id
    if root_id == item.id:
        return None
    root = session.get(Item, root_id) or link.named
    sender = _address(item.sender)
    if not link.via_our_message_id and (not sender or sender not in case_addresses(session, root)):
        _hint(
            item,
            f"Die Nachricht nennt Vorgang {link.named.reference}, kommt aber nicht von dessen "
            "Absender und nennt keine unserer Nachrichten. Sie wurde deshalb nicht dem Vorgang "
            "zugeordnet, sondern als neuer Vorgang angelegt; bitte prüfen und bei Bedarf "
            "zusammenführen.",
        )
        record(
            session, item, "worker:extract", "thread_refused",
            f"Nicht Vorgang {link.named.reference} zugeordnet: anderer Absender",
            named=link.named.id,
        )
        return None
    item.thread_id = root.id
    record(
        session,
        item,
        "worker:extract",
        "threaded",
        f"Antwort zu Vorgang {root.reference}",
        thread_id=root.id,
    )
    return root


def _hint(item: Item, text: str) -> None:
    item.problems = [*(item.problems or []), text]
