"""Intake of several inputs in one transaction (store.intake.store_batch, connectors.group_commit):
the same items, receipts and events as one by one, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_batch, store_incoming
from store.models import Document, Event, Item, Receipt
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
    with session_scope() as session:
        known, _ = store_incoming(session, earlier)
        known_id = known.id
    imap_copy = mail("Per IMAP", mailbox="imap:wohngeld", external_id="7/42")
    with session_scope() as session:
        store_incoming(session, imap_copy)

    first, second = mail("Erste"), mail("Zweite")
    batch = [
        first,
        second,
        mail("Erste", mailbox="wohngeld@eingang.local", content=relayed(first.content)),
        mail("Schon da", mailbox="sozialamt@eingang.local", content=relayed(earlier.content)),
        imap_copy,  # fetched again after a crash before the move: the same receipt
    ]
    with session_scope() as session:
        results = store_batch(session, batch)

    with session_scope() as session:
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


def test_concurrent_callers_are_committed_together(settings, monkeypatch):
    from connectors import gateway, group_commit

    group = group_commit.GroupCommit(settings)
    sizes: list[int] = []
    real = gateway.store_batch

    def observed(session, batch, put_all=None):  # type: ignore[no-untyped-def]
        if not sizes:  # hold the first transaction until every caller waits
            deadline = time.monotonic() + 30
            while len(batch) + group._requests.qsize() < 40 and time.monotonic() < deadline:
                time.sleep(0.01)
        sizes.append(len(batch))
        return real(session, batch, put_all)

    monkeypatch.setattr(gateway, "store_batch", observed)
    results: list[tuple[int, bool]] = []
    callers = [threading.Thread(target=lambda i=i: results.append(group.accept(mail(f"Nr. {i}"))))
               for i in range(40)]
    try:
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join(timeout=60)
    finally:
        group.close()
    assert len(sizes) == 2 and sum(sizes) == 40  # two commits for forty mails
    assert len({item_id for item_id, _ in results}) == 40 and all(created for _, created in results)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 40


def test_an_input_that_cannot_be_stored_fails_alone(store_backend, monkeypatch):
    from connectors import gateway, group_commit
    from store.blobs import BlobStore

    real_put = BlobStore.put

    def put(self, data):  # type: ignore[no-untyped-def]
        if b"Defekt" in data:
            raise OSError("No space left on device")
        return real_put(self, data)

    monkeypatch.setattr(BlobStore, "put", put)
    group = group_commit.GroupCommit(store_backend)
    released = threading.Event()
    held_sizes: list[int] = []
    real = gateway.store_batch

    def held(session, batch, put_all=None):  # type: ignore[no-untyped-def]
        held_sizes.append(len(batch))
        released.wait(30)
        return real(session, batch, put_all)

    monkeypatch.setattr(gateway, "store_batch", held)
    outcomes: dict[str, object] = {}

    def send(subject: str) -> None:
        try:
            outcomes[subject] = group.accept(mail(subject))
        except OSError as exc:
            outcomes[subject] = exc

    callers = [threading.Thread(target=send, args=(s,)) for s in ("Gut 1", "Defekt", "Gut 2")]
    try:
        for caller in callers:
            caller.start()
        # Release the first transaction once all three wait (in it or queued behind it).
        deadline = time.monotonic() + 30
        while not held_sizes or held_sizes[0] + group._requests.qsize() < 3:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        released.set()
        for caller in callers:
            caller.join(timeout=60)
    finally:
        group.close()
    assert isinstance(outcomes["Defekt"], OSError)
    assert outcomes["Gut 1"][1] and outcomes["Gut 2"][1]  # type: ignore[index]
    with session_scope() as session:
        assert sorted(session.scalars(select(Item.subject))) == ["Gut 1", "Gut 2"]
