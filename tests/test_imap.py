"""IMAP intake against a real Dovecot: fetch, move, restart, UIDVALIDITY, two pollers."""

from __future__ import annotations

import os
import threading
import time
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import func, select

from connectors import imap_state
from connectors.imap import MailboxPoller
from store.db import session_scope
from store.models import Item, Receipt
from store.settings import ImapMailbox, get_settings
from tests.dovecot import PASSWORD, Dovecot, dovecot
from tests.services import settle

USERS = [f"postfach{i}" for i in range(16)]
_free_users = list(USERS)


@pytest.fixture(scope="module")
def server():
    with dovecot(USERS) as srv:
        yield srv


@pytest.fixture
def user(server: Dovecot) -> str:
    """A mailbox of its own for each test (the server is shared by the module)."""
    return _free_users.pop(0)


def mailbox(server: Dovecot, user: str, **overrides) -> ImapMailbox:
    values = dict(
        name=user, host="127.0.0.1", port=server.port, security="none", user=user,
        password=PASSWORD, address=f"{user}@stadt.example", processed_folder="Verarbeitet",
    )
    return ImapMailbox(**(values | overrides))


def citizen_mail(n: int, body: str = "Ich beantrage Wohngeld für meine Wohnung.") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Bürger {n} <buerger{n}@example.org>"
    msg["To"] = "wohngeld@stadt.example"
    msg["Subject"] = f"Antrag Nr. {n}"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(f"{body} ({n})")
    return msg.as_bytes()


def item_count(settings) -> int:
    with session_scope(settings) as session:
        return session.scalar(select(func.count(Item.id)))


def subjects(settings) -> list[str]:
    from extraction import extract
    from store.blobs import blob_store

    with session_scope(settings) as session:
        hashes = list(session.scalars(select(Item.content_hash).order_by(Item.id)))
    return [extract(blob_store(get_settings()).get(h), "message/rfc822").headers.subject for h in hashes]


def test_mail_is_stored_then_moved_to_processed(server, user, settings):
    # Given three mails in the inbox
    for n in range(3):
        server.deliver(user, citizen_mail(n))
    # When the mailbox is polled
    result = MailboxPoller(mailbox(server, user), settings).poll_once()
    # Then each became one item and the inbox is empty, the mails are in "Verarbeitet"
    assert (result.fetched, result.created, result.moved) == (3, 3, 3)
    assert item_count(settings) == 3
    assert server.uids(user) == []
    assert len(server.uids(user, "Verarbeitet")) == 3
    assert subjects(settings) == ["Antrag Nr. 0", "Antrag Nr. 1", "Antrag Nr. 2"]
    with session_scope(settings) as session:
        receipt = session.scalars(select(Receipt)).first()
        assert receipt.path == f"{user}@stadt.example"
        assert receipt.external_id.startswith("uid:")
        item = session.scalars(select(Item)).first()
        assert item.mailbox == f"{user}@stadt.example"
        assert item.received_at.tzinfo is not None


def test_restart_fetches_only_what_arrived_meanwhile(server, user, settings):
    server.deliver(user, citizen_mail(1))
    MailboxPoller(mailbox(server, user), settings).poll_once()
    # the poller is down; a mail arrives
    server.deliver(user, citizen_mail(2))
    # a new process starts
    result = MailboxPoller(mailbox(server, user), settings).poll_once()
    assert (result.fetched, result.created) == (1, 1)
    assert item_count(settings) == 2
    assert MailboxPoller(mailbox(server, user), settings).poll_once().fetched == 0


def test_crash_between_commit_and_move_stores_nothing_twice(server, user, settings):
    for n in range(3):
        server.deliver(user, citizen_mail(n))
    poller = MailboxPoller(mailbox(server, user), settings)

    def crash(client, uids):
        raise ConnectionError("connection lost before MOVE")

    poller._acknowledge = crash  # the items are committed, the mails not moved
    with pytest.raises(ConnectionError):
        poller.poll_once()
    assert item_count(settings) == 3 and len(server.uids(user)) == 3

    result = MailboxPoller(mailbox(server, user), settings).poll_once()
    assert (result.fetched, result.created, result.moved) == (3, 0, 3)
    assert item_count(settings) == 3
    assert server.uids(user) == []


def test_storage_failure_leaves_the_mail_on_the_server(server, user, settings):
    server.deliver(user, citizen_mail(1))
    server.deliver(user, citizen_mail(2))
    calls = []

    def flaky_accept(incoming, settings_):
        from connectors.gateway import accept

        calls.append(1)
        if len(calls) == 2:
            raise OSError("database down")
        return accept(incoming, settings_)

    with pytest.raises(OSError):
        MailboxPoller(mailbox(server, user), settings, accept_fn=flaky_accept).poll_once()
    # the first is stored and moved, the second waits on the server
    assert item_count(settings) == 1 and len(server.uids(user)) == 1
    assert MailboxPoller(mailbox(server, user), settings).poll_once().created == 1
    assert item_count(settings) == 2 and server.uids(user) == []


def test_uidvalidity_change_rereads_without_duplicates(server, user, settings):
    # Mails stay in the folder (no processed folder): only the bookmark prevents re-reading
    box = mailbox(server, user, processed_folder=None)
    server.deliver(user, citizen_mail(1))
    server.deliver(user, citizen_mail(2))
    assert MailboxPoller(box, settings).poll_once().created == 2
    # The server is restored: new UIDVALIDITY; and a new mail arrives
    server.reset_uidvalidity(user)
    server.deliver(user, citizen_mail(3))
    result = MailboxPoller(box, settings).poll_once()
    assert (result.fetched, result.created) == (3, 1)
    assert item_count(settings) == 3
    with session_scope(settings) as session:
        mark = imap_state.bookmark(session, user)
    assert mark.last_uid == max(server.uids(user))


def test_copy_and_expunge_when_move_is_not_used(server, user, settings):
    server.deliver(user, citizen_mail(1))
    result = MailboxPoller(mailbox(server, user, use_move=False), settings).poll_once()
    assert result.moved == 1
    assert server.uids(user) == [] and len(server.uids(user, "Verarbeitet")) == 1


def test_two_pollers_on_one_mailbox_store_each_mail_once(server, user, settings):
    for n in range(40):
        server.deliver(user, citizen_mail(n))
    box = mailbox(server, user)
    results = []

    def run(owner: str) -> None:
        results.append(MailboxPoller(box, settings, owner=owner).poll_once())

    threads = [threading.Thread(target=run, args=(f"p{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert item_count(settings) == 40
    assert sum(r.created for r in results) == 40
    assert server.uids(user) == []


def test_lease_excludes_a_second_owner_until_it_expires(settings):
    from store.db import session_scope as scope

    imap_state.ensure_row(lambda: scope(settings), "lease-test")
    with scope(settings) as s:
        assert imap_state.claim(s, "lease-test", "a", seconds=60)
    with scope(settings) as s:
        assert not imap_state.claim(s, "lease-test", "b", seconds=60)
    with scope(settings) as s:
        assert imap_state.claim(s, "lease-test", "a", seconds=-1)  # renewal; now expired
    with scope(settings) as s:
        assert imap_state.claim(s, "lease-test", "b", seconds=60)
    with scope(settings) as s, pytest.raises(imap_state.LeaseLost):
        imap_state.advance(s, "lease-test", "a", 1, 5)


def test_a_bad_mail_does_not_block_the_others(server, user, settings, pipeline):
    server.deliver(user, b"\xff\xfe kein Mailformat \x01\x02 " * 3)
    server.deliver(user, citizen_mail(2))
    result = MailboxPoller(mailbox(server, user), settings).poll_once()
    assert result.created == 2
    settle(pipeline)
    with session_scope(settings) as session:
        statuses = sorted(session.scalars(select(Item.status)))
    assert all(s in ("routed", "done", "needs_attention") for s in statuses), statuses


def test_idle_picks_up_new_mail_quickly(server, user, settings):
    poller = MailboxPoller(mailbox(server, user, poll_interval=60), settings)
    stop = threading.Event()
    thread = threading.Thread(target=poller.run, args=(stop,), daemon=True)
    thread.start()
    try:
        time.sleep(1.0)  # the poller is idling now
        server.deliver(user, citizen_mail(1))
        deadline = time.monotonic() + 15
        while item_count(settings) < 1 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert item_count(settings) == 1
    finally:
        stop.set()
        thread.join(timeout=40)
    assert not thread.is_alive()


def test_queue_hint_of_the_receiving_mailbox(settings):
    box = ImapMailbox(name="wohngeld", host="x", user="u", address="wohngeld@stadt.example",
                      queue_hint="wohngeld")
    configured = settings.model_copy(update={"imap_mailboxes": [box]})
    assert configured.queue_hint_for("Wohngeld@stadt.example") == "wohngeld"
    assert configured.queue_hint_for("a@stadt.example,wohngeld@stadt.example") == "wohngeld"
    assert configured.queue_hint_for("sozialamt@stadt.example") is None
    assert configured.queue_hint_for(None) is None


@pytest.mark.slow
@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_eingang_imap_once_reads_and_routes(server, user, eingang):
    import json

    server.deliver(user, citizen_mail(1))
    box = mailbox(server, user).model_dump()
    eingang.env["EINGANG_IMAP_MAILBOXES"] = json.dumps([box])
    out = eingang.run("imap", "--once").stdout
    assert f"{user}: 1 abgerufen, 1 neue Vorgänge" in out
    items = eingang.items()
    assert len(items) == 1 and items[0]["status"] == "routed"
    assert server.uids(user) == [] and len(server.uids(user, "Verarbeitet")) == 1


def large_mail(megabytes: int, subject: str = "Kontoauszüge und Mietvertrag") -> bytes:
    """A citizen's mail with scans attached, ``megabytes`` MB on the wire."""
    msg = EmailMessage()
    msg["From"] = "Maria Müller <maria@example.org>"
    msg["To"] = "wohngeld@stadt.example"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content("Anbei alle Unterlagen für den Wohngeldantrag.")
    scan = os.urandom(megabytes * 1_000_000 * 3 // 4)  # base64 adds a third
    msg.add_attachment(scan, maintype="application", subtype="pdf", filename="Kontoauszüge.pdf")
    return msg.as_bytes()


def server_copy(server: Dovecot, user: str, folder: str) -> bytes:
    with server.client(user) as client:
        client.select_folder(folder, readonly=True)
        (uid,) = client.search("ALL")
        return client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]


def test_large_mail_is_streamed_to_disk_with_bounded_memory(server, user, settings):
    import tracemalloc

    from store.blobs import blob_store
    from store.mail_identity import mail_identity

    # Given a small mail, a 30 MB mail (more than SMTP's 25 MiB limit) and another small one
    server.deliver(user, citizen_mail(1))
    server.deliver(user, large_mail(30))
    server.deliver(user, citizen_mail(2))
    with server.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        sizes = [d[b"RFC822.SIZE"] for d in client.fetch(client.search("ALL"), ["RFC822.SIZE"]).values()]
    assert max(sizes) > settings.smtp_max_message_bytes
    # When the mailbox is polled (Python allocations traced; modules imported beforehand)
    import worker.actors  # noqa: F401 (the first accept imports the pipeline)

    def peak_while(work):  # type: ignore[no-untyped-def]
        tracemalloc.start()
        try:
            value = work()
            return value, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    result, peak = peak_while(MailboxPoller(mailbox(server, user), settings).poll_once)
    # Then all three are items, in order, and the large one's original is stored byte for byte
    assert (result.fetched, result.created, result.moved) == (3, 3, 3)
    assert subjects(settings) == ["Antrag Nr. 1", "Kontoauszüge und Mietvertrag", "Antrag Nr. 2"]
    with session_scope(settings) as session:
        large = session.scalars(select(Item).order_by(Item.id).offset(1)).first()
        digest, identity, status = large.content_hash, large.mail_identity, large.status
    with server.client(user) as client:
        client.select_folder("Verarbeitet", readonly=True)
        uid = sorted(client.search("ALL"))[1]
        original = client.fetch([uid], ["BODY.PEEK[]"])[uid][b"BODY[]"]
        # for comparison: the same mail fetched whole, as before the size guard
        _, whole_peak = peak_while(lambda: client.fetch([uid], ["BODY.PEEK[]"]))
    assert blob_store(get_settings()).get(digest) == original
    assert identity == mail_identity(original)  # copies via SMTP still merge with it
    assert status == "received"  # on its way through the pipeline like any mail
    # and memory stayed far below the mail's size (chunks of 1 MiB, not 30 MB at once)
    print(
        f"\nIMAP, a {len(original) / 1e6:.1f} MB mail: peak Python memory of the poll "
        f"{peak / 1e6:.1f} MB (streamed); one whole FETCH of it: {whole_peak / 1e6:.1f} MB"
    )
    assert peak < len(original) / 4 < whole_peak


def test_mail_above_the_hard_limit_becomes_a_header_item_and_is_set_aside(
    server, user, settings, pipeline
):
    # Given a hard limit of 2 MB, a 5 MB mail and a small one behind it
    limited = settings.model_copy(update={"imap_max_message_bytes": 2_000_000})
    server.deliver(user, large_mail(5, subject="Scans zum Weiterbewilligungsantrag"))
    server.deliver(user, citizen_mail(2))
    with server.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        first = min(client.search("ALL"))
        delivered = client.fetch([first], ["BODY.PEEK[]"])[first][b"BODY[]"]
    # When the mailbox is polled
    result = MailboxPoller(mailbox(server, user), limited).poll_once()
    pipeline.drain()
    # Then both are items; the large one holds only the header and waits for a person
    assert (result.fetched, result.created, result.moved) == (2, 2, 2)
    with session_scope(settings) as session:
        big, small = session.scalars(select(Item).order_by(Item.id)).all()
        big_status, big_reason, big_subject = big.status, big.status_reason, big.subject
        big_sender, big_hash = big.sender, big.content_hash
        small_status = small.status
        events = [e.kind for e in big.events]
    assert big_status == "needs_attention"
    assert "mehr als die Grenze von 2,0 MB" in big_reason
    assert "Ordner „Zu groß“" in big_reason and f"{user}@stadt.example" in big_reason
    assert (big_subject, big_sender) == ("Scans zum Weiterbewilligungsantrag", "maria@example.org")
    assert "needs_attention" in events and "extracted" not in events
    from store.blobs import blob_store

    header = blob_store(get_settings()).get(big_hash)
    assert delivered.startswith(header) and header.endswith(b"\r\n\r\n")
    assert len(header) < 2000  # the header only, not the scans
    assert small_status in ("routed", "done")
    # and the mail itself lies untouched in "Zu groß", the small one in "Verarbeitet"
    assert server.uids(user) == []
    assert len(server.uids(user, "Verarbeitet")) == 1
    assert server_copy(server, user, "Zu groß") == delivered
    # a second poll does not fetch anything again
    assert MailboxPoller(mailbox(server, user), limited).poll_once().fetched == 0


def test_oversized_mail_stays_flagged_without_an_oversize_folder(server, user, settings):
    limited = settings.model_copy(update={"imap_max_message_bytes": 1_000_000})
    server.deliver(user, large_mail(2))
    box = mailbox(server, user, oversize_folder=None)
    assert MailboxPoller(box, limited).poll_once().created == 1
    with server.client(user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = [f for d in client.fetch(client.search("ALL"), ["FLAGS"]).values() for f in d[b"FLAGS"]]
    assert b"\\Flagged" in flags and b"\\Seen" not in flags
    assert MailboxPoller(box, limited).poll_once().fetched == 0
