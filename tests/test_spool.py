"""The SMTP spool (connectors.spool, spool_writer, spool_ingest): a mail answered 250 is on disk
with its receipt time; from there it becomes an item exactly once, also after a crash, a torn
tail or a damaged record."""

from __future__ import annotations

import shutil
import signal
import smtplib
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from connectors.spool import SpooledMail, encode, read, segments
from store.db import session_scope
from store.models import Document, Event, Item, Receipt
from tests.mails import WOHNGELD, citizen_mail
from tests.services import Eingang, free_port, spooled_in, wait_for_port

RECEIVED = datetime(2026, 11, 30, 23, 59, 58, 250000, tzinfo=UTC)


_MAILS = [citizen_mail(f"Antrag Nr. {n}", WOHNGELD[1]).as_bytes() for n in range(3)]


def spooled(n: int) -> SpooledMail:
    return SpooledMail(RECEIVED + timedelta(seconds=n), f"buerger{n}@example.org",
                       ["eingang@eingang.local"], _MAILS[n])


def test_records_read_back_as_written_and_a_torn_tail_is_left_out(tmp_path):
    path = tmp_path / "a.spool"
    records = [encode(spooled(n)) for n in range(3)]
    # Given a segment whose last record was cut off by a crash
    path.write_bytes(records[0] + records[1] + records[2][: len(records[2]) // 2])
    # Then the whole records read back unchanged, and the torn one is not there
    entries = list(read(path, final=True))
    assert [e.mail for e in entries] == [spooled(0), spooled(1)]
    assert [e.end for e in entries] == [len(records[0]), len(records[0]) + len(records[1])]
    # and while the segment is still written, reading stops before an incomplete record
    assert len(list(read(path))) == 2


def test_a_damaged_record_is_kept_with_its_bytes(tmp_path):
    path = tmp_path / "a.spool"
    first, second, third = (encode(spooled(n)) for n in range(3))
    broken = bytearray(second)
    broken[len(broken) // 2] ^= 0xFF  # one flipped bit in the message
    path.write_bytes(first + bytes(broken) + third)
    entries = list(read(path, final=True))
    assert [e.mail for e in entries] == [spooled(0), None, spooled(2)]
    assert entries[1].raw == bytes(broken)
    assert entries[1].latest == spooled(2).received_at  # it came no later than the next one


def _items(settings) -> list[Item]:  # type: ignore[no-untyped-def]
    with session_scope(settings) as session:
        return list(session.scalars(select(Item).order_by(Item.id)))


def _counts(settings) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with session_scope(settings) as session:
        return tuple(session.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                     for model in (Item, Receipt, Event))


def _left_behind(copy, segment) -> None:  # type: ignore[no-untyped-def]
    """The segment appears whole at once, as a dead process would have left it."""
    shutil.copy(copy, segment.with_suffix(".tmp"))
    segment.with_suffix(".tmp").rename(segment)


def _taken_over(segment, seconds: float = 30) -> None:  # type: ignore[no-untyped-def]
    """Wait until the running server's ingest has stored the segment and deleted it."""
    deadline = time.monotonic() + seconds
    while segment.exists():
        assert time.monotonic() < deadline, "segment not taken over"
        time.sleep(0.1)
    spooled_in()


@pytest.fixture
def orphan_looks(monkeypatch) -> float:  # type: ignore[no-untyped-def]
    """The running ingest looks for segments of dead processes every half second instead of
    every 5 s (it reads the interval at each look): the tests wait for those looks. Listed
    before smtp_port, so the ingest starts with it."""
    from connectors import spool_ingest

    monkeypatch.setattr(spool_ingest, "ORPHANS_EVERY", 0.5)
    return spool_ingest.ORPHANS_EVERY


def test_a_dead_process_segment_is_taken_over_exactly_once(orphan_looks, settings, smtp_port):
    from connectors.spool_ingest import DAMAGED

    # Given a segment left by an SMTP process that died: two mails, a damaged record between
    # them and a torn tail
    dead = settings.spool_dir / "smtp-20261130T235958000000-99999-0.spool"
    good = [encode(spooled(n)) for n in range(3)]
    damaged = bytearray(good[1])
    damaged[-3] ^= 0xFF
    copy = settings.spool_dir.parent / "copy.spool"
    copy.write_bytes(good[0] + bytes(damaged) + good[2] + good[0][:40])
    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    _left_behind(copy, dead)
    # When the running SMTP server's ingest finds it
    _taken_over(dead)
    # Then the mails are items with their receipt times, the damaged record one that needs
    # attention with its bytes, and the segment is gone
    first, middle, last = _items(settings)
    assert (first.received_at, first.status, first.sender) == (
        spooled(0).received_at, "received", "buerger0@example.org")
    assert last.received_at == spooled(2).received_at
    assert (middle.status, middle.status_reason, middle.received_at) == (
        "needs_attention", DAMAGED, spooled(2).received_at)
    with session_scope(settings) as session:
        kept = session.scalars(select(Document).where(Document.item_id == middle.id)).one()
        from store.blobs import blob_store

        assert blob_store(settings).get(kept.sha256) == bytes(damaged)
    before = _counts(settings)
    # When the same segment turns up again (a crash after the commit, before its deletion)
    _left_behind(copy, dead)
    _taken_over(dead)
    # Then nothing is stored twice: no item, no receipt, no event more
    assert _counts(settings) == before


def test_a_segment_locked_by_a_live_process_is_left_alone(orphan_looks, settings, smtp_port):
    import fcntl
    import os

    settings.spool_dir.mkdir(parents=True, exist_ok=True)
    other = settings.spool_dir / "smtp-20261130T235958000000-99998-0.spool"
    other.write_bytes(encode(spooled(0)))
    fd = os.open(other, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # another SMTP process is alive and owns it
    try:
        time.sleep(4 * orphan_looks)  # the ingest looks for orphans several times meanwhile
        assert other.exists() and _items(settings) == []
    finally:
        os.close(fd)
    deadline = time.monotonic() + 30
    while other.exists():
        assert time.monotonic() < deadline
        time.sleep(0.1)
    spooled_in()
    assert len(_items(settings)) == 1


def test_a_mail_that_cannot_be_stored_alone_needs_attention(settings, smtp_port, monkeypatch):
    from connectors import spool_ingest
    from store import intake

    monkeypatch.setattr(spool_ingest, "FIRST_BACKOFF", 0.05)
    real = intake.mail_identity

    def fussy(content: bytes):  # type: ignore[no-untyped-def]
        if b"Defekt" in content:
            raise ValueError("unlesbarer Kopf")
        return real(content)

    monkeypatch.setattr(intake, "mail_identity", fussy)
    # Given three mails, the middle one of which the intake cannot store as usual
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        for subject in ("Gut 1", "Defekt", "Gut 2"):
            client.send_message(citizen_mail(subject, WOHNGELD[1]))
    spooled_in()
    # Then the others are items as usual and it is one that needs attention, nothing lost
    by_subject = {}
    for item in _items(settings):
        with session_scope(settings) as session:
            [original] = session.scalars(select(Document).where(Document.item_id == item.id))
            from store.blobs import blob_store

            content = blob_store(settings).get(original.sha256)
        by_subject[next(s for s in ("Gut 1", "Defekt", "Gut 2") if s.encode() in content)] = item
    assert set(by_subject) == {"Gut 1", "Defekt", "Gut 2"}
    assert by_subject["Gut 1"].status == by_subject["Gut 2"].status == "received"
    assert by_subject["Defekt"].status == "needs_attention"
    assert "ValueError" in by_subject["Defekt"].status_reason


def test_a_burst_is_stored_in_few_transactions(settings, smtp_port, monkeypatch):
    import threading

    from connectors import gateway

    sizes: list[int] = []
    real = gateway.store_batch
    monkeypatch.setattr(gateway, "store_batch",
                        lambda session, batch, *args: sizes.append(len(batch)) or real(session, batch, *args))

    def send(first: int) -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
            for n in range(first, first + 10):
                client.send_message(citizen_mail(f"Antrag Nr. {n}", WOHNGELD[1]))

    senders = [threading.Thread(target=send, args=(10 * i,)) for i in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=60)
    spooled_in()
    assert len(_items(settings)) == 40 and sum(sizes) == 40
    assert len(sizes) < 40  # several mails per transaction


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_smtp_killed_right_after_its_250s_loses_and_doubles_nothing(eingang: Eingang, backend_env, tmp_path):
    import sqlite3

    port = free_port()
    smtp = eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    wait_for_port(port)
    # Given 30 mails answered 250, and the SMTP process killed at once
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        for n in range(30):
            client.send_message(citizen_mail(f"Wohngeld {n}", WOHNGELD[1]))
    smtp.send_signal(signal.SIGKILL)
    smtp.wait()
    # When it is started again
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp2.log")
    wait_for_port(port)
    database = f"{backend_env['EINGANG_DATA_DIR']}/eingang.db"
    deadline = time.monotonic() + 60
    while True:
        with sqlite3.connect(database) as conn:
            items, mails, receipts = conn.execute(
                "SELECT count(*), count(DISTINCT mail_identity), "
                "(SELECT count(*) FROM receipts) FROM items").fetchone()
        conn.close()
        if items >= 30 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    # Then every mail is an item, once, with one receipt
    assert (items, mails, receipts) == (30, 30, 30)


def test_a_quiet_spool_keeps_no_mail(settings, smtp_port, monkeypatch):
    from connectors import spool_writer

    monkeypatch.setattr(spool_writer, "IDLE_SECONDS", 0.5)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        client.send_message(citizen_mail(*WOHNGELD))
    # Once no mail came for a while, the segment is closed and, all of it stored, deleted
    deadline = time.monotonic() + 30
    while segments(settings.spool_dir):
        assert time.monotonic() < deadline, "the quiet segment was kept"
        time.sleep(0.1)
    assert len(_items(settings)) == 1
    # and the next mail goes to a new one
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=30) as client:
        client.send_message(citizen_mail(*WOHNGELD))
    spooled_in()
    assert len(_items(settings)) == 2
