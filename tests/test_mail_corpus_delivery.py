"""Every mail of the shared corpus, delivered over SMTP and via IMAP, is exactly one item."""

from __future__ import annotations

import re
import smtplib
from collections import Counter

import pytest
from sqlalchemy import func, select

from connectors.imap import MailboxPoller
from connectors.smtp import make_controller
from store.db import session_scope
from store.mail_identity import mail_identity
from store.models import Item, Receipt
from store.settings import ImapMailbox
from tests.corpora import mime_corpus
from tests.dovecot import PASSWORD, dovecot
from tests.services import free_port, settle

CORPUS = mime_corpus()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not CORPUS, reason="../shared/corpora/mime is missing"),
]


def outcome(settings) -> tuple[int, int, Counter, list[str]]:
    """(items, receipts, statuses, crash reasons)."""
    with session_scope(settings) as session:
        rows = session.execute(select(Item.status, Item.status_reason)).all()
        receipts = session.scalar(select(func.count(Receipt.id)))
    crashes = [r for s, r in rows if r and r.startswith("Technischer Fehler")]
    return len(rows), receipts, Counter(s for s, _ in rows), crashes


def twins(contents: list[bytes]) -> int:
    """How many are the same mail as an earlier one (same Message-ID and content)."""
    identities = [mail_identity(c) for c in contents]
    known = [i for i in identities if i]
    return len(known) - len(set(known))


def test_corpus_over_smtp(settings, pipeline):
    port = free_port()
    controller = make_controller(settings.model_copy(update={"smtp_rate_per_minute": 0}), port)
    controller.start()
    try:
        # on the wire, every MTA sends CRLF line ends (smtplib leaves bytes as they are)
        wire = [re.sub(rb"\r\n|\r|\n", b"\r\n", path.read_bytes()) for path in CORPUS]
        wire = [w if w.endswith(b"\r\n") else w + b"\r\n" for w in wire]  # as DATA ends
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
            for content in wire:
                client.sendmail("absender@example.org", ["eingang@eingang.local"], content)
    finally:
        controller.stop()
    settle(pipeline)  # the first step is enqueued just after the 250
    count, receipts, statuses, crashes = outcome(settings)
    assert receipts == len(CORPUS)
    assert count == len(CORPUS) - twins(wire)
    assert set(statuses) <= {"routed", "done", "needs_attention"}, statuses
    assert crashes == []


def test_corpus_via_imap(settings, pipeline):
    with dovecot(["korpus"]) as server:
        refused = []
        with server.client("korpus") as client:
            for path in CORPUS:
                try:
                    client.append("INBOX", path.read_bytes())
                except Exception as exc:  # the IMAP server itself refuses it: never ours
                    refused.append((path.name, str(exc)))
        box = ImapMailbox(
            name="korpus", host="127.0.0.1", port=server.port, security="none", user="korpus",
            password=PASSWORD, address="korpus@eingang.local",
        )
        with server.client("korpus") as client:
            client.select_folder("INBOX", readonly=True)
            uids = client.search("ALL")
            on_server = [m[b"BODY[]"] for m in client.fetch(uids, ["BODY.PEEK[]"]).values()]
        result = MailboxPoller(box, settings).poll_once()
        assert server.uids("korpus") == []  # everything stored and moved
    pipeline.drain()
    delivered = len(CORPUS) - len(refused)
    assert result.fetched == delivered and len(refused) < 5, refused
    count, receipts, statuses, crashes = outcome(settings)
    # every mail on the server is one receipt; copies of the same mail share one item
    assert receipts == delivered
    assert count == delivered - twins(on_server)
    assert set(statuses) <= {"routed", "done", "needs_attention"}, statuses
    assert crashes == []
