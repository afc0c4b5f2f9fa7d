"""Intake of several inputs in one transaction (store.intake.store_batch, used by the SMTP spool's
ingest): the same items, receipts and events as one by one, on SQLite and PostgreSQL. How the
ingest groups a burst and stores a bad mail alone: tests/test_spool.py."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_batch, store_incoming
from store.models import Document, Event, Item, Receipt
from store.settings import get_settings
from tests.mails import WOHNGELD, citizen_mail

RECEIVED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def mail(subject: str, mailbox: str = "eingang@eingang.local", **kw) -> Incoming:  # type: ignore[no-untyped-def]
    content = kw.pop("content", None) or citizen_mail(subject, WOHNGELD[1]).as_bytes()
    return Incoming(channel=Channel.EMAIL, content=content, media_type="message/rfc822",
                    received_at=RECEIVED, mailbox=mailbox, subject=subject,
                    actor="connector:smtp", **kw)


def relayed(content: bytes) -> bytes:
    """The same mail as another server delivers it: a trace header in front."""
    return b"Received: from relay.example.org by mx.eingang.local; Fri, 20 Nov 2026\r\n" + content


def test_a_batch_stores_each_input_once_and_merges_copies(store_backend):
    earlier = mail("Schon da")
    with session_scope(get_settings()) as session:
        known, _ = store_incoming(session, earlier, blob_store(get_settings()))
        known_id = known.id
    imap_copy = mail("Per IMAP", mailbox="imap:wohngeld", external_id="7/42")
    with session_scope(get_settings()) as session:
        store_incoming(session, imap_copy, blob_store(get_settings()))

    first, second = mail("Erste"), mail("Zweite")
    batch = [
        first,
        second,
        mail("Erste", mailbox="wohngeld@eingang.local", content=relayed(first.content)),
        mail("Schon da", mailbox="sozialamt@eingang.local", content=relayed(earlier.content)),
        imap_copy,  # fetched again after a crash before the move: the same receipt
    ]
    with session_scope(get_settings()) as session:
        results = store_batch(session, batch, blob_store(get_settings()))

    with session_scope(get_settings()) as session:
        imap_item_id = session.scalar(select(Receipt.item_id).where(Receipt.external_id == "7/42"))
        first_id, second_id = results[0][0], results[1][0]
        assert results == [(first_id, True), (second_id, True), (first_id, False),
                           (known_id, False), (imap_item_id, False)]
        assert session.scalar(select(func.count()).select_from(Item)) == 4
        for item_id in (first_id, second_id):
            item = session.get(Item, item_id)
            assert item.reference == f"EIN-2026-{item_id:06d}"
            assert (item.status, item.received_at, item.channel) == ("received", RECEIVED, "email")
            assert item.mail_identity and item.attempts == 0
            [original] = item.documents
            assert (original.role, original.size) == ("original", len(batch[[first_id, second_id].index(item_id)].content))
        receipts = Counter(session.scalars(select(Receipt.item_id)))
        assert receipts == {first_id: 2, second_id: 1, known_id: 2, imap_item_id: 1}
        kinds = Counter(tuple(row) for row in session.execute(select(Event.item_id, Event.kind)))
        assert kinds[(first_id, "received")] == kinds[(first_id, "received_again")] == 1
        assert kinds[(known_id, "received_again")] == 1
        assert kinds[(imap_item_id, "received_again")] == 0
        # The relayed copies' bytes are not kept: the first copy is the original.
        assert session.scalar(select(func.count()).select_from(Document)) == 4
