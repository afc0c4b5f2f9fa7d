"""Retention: items past their queue's period go with their blobs, the audit trail records the
deletion without content, legal holds keep items; Art. 15 export; the daily schedule."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from store import audit, retention
from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.events import record
from store.intake import Incoming, store_incoming
from store.models import AuditEvent, Document, Event, Item, OutboxMessage, utcnow
from store.settings import get_settings


def _item(content: bytes, *, queue: str, closed_days_ago: float | None, hold: bool = False,
          sender: str = "maria.muster@example.org", filename: str = "antrag.pdf") -> int:
    now = utcnow()
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(
            channel=Channel.EMAIL, content=content, media_type="text/plain", received_at=now,
            sender=sender, sender_name="Maria Muster", subject="Antrag auf Wohngeld",
            filename=filename, actor="smtp",
        ), blob_store(get_settings()))
        item.queue = queue
        item.text = item.full_text = "Ich beantrage Wohngeld. Kundennummer 123D456789"
        item.status = "done"
        if closed_days_ago is not None:
            item.closed_at = now - timedelta(days=closed_days_ago)
        else:
            item.status = "routed"
            item.closed_at = None
        item.legal_hold = hold
        session.add(OutboxMessage(item_id=item.id, kind="email", dedupe_key=f"ack-{item.id}",
                                  payload={"body": "Ihr Antrag ist eingegangen"}, status="sent"))
        record(session, item, "worker:route", "routed", "Weitergeleitet an wohngeld")
        return item.id


def test_closing_starts_the_clock(settings):
    with session_scope(get_settings()) as session:
        item = Item(channel="email", received_at=utcnow(), status="routed")
        session.add(item)
        session.flush()
        assert item.closed_at is None
        item.status = "done"
        assert item.closed_at is not None
        item.status = "routed"  # re-opened
        assert item.closed_at is None


def test_items_past_their_period_are_gone_with_their_blobs(settings):
    blobs = blob_store(settings)
    old = _item(b"alt und abgelaufen", queue="wohngeld", closed_days_ago=200)
    held = _item(b"mit Loeschsperre", queue="wohngeld", closed_days_ago=400, hold=True)
    recent = _item(b"erst kuerzlich erledigt", queue="wohngeld", closed_days_ago=10)
    open_ = _item(b"noch offen", queue="wohngeld", closed_days_ago=None)
    sensitive = _item(b"suchtberatung alt", queue="suchtberatung", closed_days_ago=100)
    # Two items with the same original: one due, one kept -> the shared blob stays.
    shared_due = _item(b"doppelt eingegangen", queue="extern", closed_days_ago=120)
    shared_kept = _item(b"doppelt eingegangen", queue="jobcenter", closed_days_ago=120)
    with session_scope(get_settings()) as session:
        shas = {i: session.scalar(select(Document.sha256).where(Document.item_id == i))
                for i in (old, held, recent, sensitive, shared_due, shared_kept)}

    dry = retention.run_job(settings, dry_run=True, blob_grace=timedelta(0))
    assert sorted(e["item_id"] for e in dry.deleted_items) == sorted([old, sensitive, shared_due])
    with session_scope(get_settings()) as session:
        assert session.get(Item, old) is not None  # a dry run deletes nothing

    report = retention.run_job(settings, blob_grace=timedelta(0))
    assert sorted(e["item_id"] for e in report.deleted_items) == sorted([old, sensitive, shared_due])
    assert report.held == 1 and report.deleted_blobs == 2 and report.kept_blobs == 1

    with session_scope(get_settings()) as session:
        remaining = set(session.scalars(select(Item.id)))
        assert remaining == {held, recent, open_, shared_kept}
        for gone in (old, sensitive, shared_due):
            assert not session.scalars(select(Document).where(Document.item_id == gone)).all()
            assert not session.scalars(select(Event).where(Event.item_id == gone)).all()
            assert not session.scalars(select(OutboxMessage).where(OutboxMessage.item_id == gone)).all()
        deletions = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "retention.delete")
        ).all()
        assert sorted(d.item_id for d in deletions) == sorted([old, sensitive, shared_due])
        for d in deletions:
            entry = json.dumps(audit.as_row(d), ensure_ascii=False)
            assert d.reference and d.reference.startswith("EIN-")
            assert "Wohngeld" not in entry and "maria" not in entry.lower()  # no content
        assert audit.verify(session).ok
    assert not blobs.path_for(shas[old]).exists()
    assert not blobs.path_for(shas[sensitive]).exists()
    assert blobs.path_for(shas[held]).exists() and blobs.path_for(shas[recent]).exists()
    assert blobs.path_for(shas[shared_kept]).exists()  # still referenced by the kept item


def test_configured_period_and_daily_schedule(settings):
    item = _item(b"wohngeld 40 tage", queue="wohngeld", closed_days_ago=40)
    with session_scope(get_settings()) as session:
        retention.set_retention_days(session, "wohngeld", 30, "u:admin", settings)
    assert retention.run_if_due(settings) is not None
    with session_scope(get_settings()) as session:
        assert session.get(Item, item) is None
        change = session.scalars(select(AuditEvent).where(AuditEvent.action == "config.change")).one()
        assert change.target == "queue:wohngeld" and change.details["new"] == 30
    assert retention.run_if_due(settings) is None  # once a day
    assert retention.run_if_due(settings, now=utcnow() + timedelta(days=1, minutes=1)) is not None


def test_release_of_a_legal_hold_lets_deletion_proceed(settings):
    item = _item(b"gesperrt", queue="jobcenter", closed_days_ago=365, hold=True)
    retention.run_job(settings, blob_grace=timedelta(0))
    with session_scope(get_settings()) as session:
        retention.set_legal_hold(session, session.get(Item, item), False, "u:admin", None)
    retention.run_job(settings, blob_grace=timedelta(0))
    with session_scope(get_settings()) as session:
        assert session.get(Item, item) is None
        actions = [a for (a,) in session.execute(select(AuditEvent.action).order_by(AuditEvent.seq))]
    assert "legal_hold.release" in actions and actions[-2:] == ["retention.delete", "retention.run"]


def test_cli_run_dry_run(settings):
    from eingang.cli import main

    _item(b"abgelaufen", queue="extern", closed_days_ago=365)
    result = CliRunner().invoke(main, ["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "1 Vorgänge würden gelöscht" in result.output
    shown = CliRunner().invoke(main, ["retention", "show"])
    assert "suchtberatung" in shown.output and "DSB" in shown.output


def test_export_person_zip_is_complete_safe_and_audited(settings, tmp_path):
    from eingang.cli import main

    first = _item(b"erstes schreiben", queue="wohngeld", closed_days_ago=1,
                  filename="../../etc/passwd")
    _item(b"zweites schreiben", queue="jobcenter", closed_days_ago=None)
    _item(b"jemand anderes", queue="jobcenter", closed_days_ago=None, sender="x@example.org")
    out = tmp_path / "auskunft.zip"
    result = CliRunner().invoke(main, ["export-person", "--email", "Maria.Muster@example.org",
                                       "-o", str(out)])
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(io.BytesIO(out.read_bytes())) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("auskunft.json"))
        assert len(manifest["vorgaenge"]) == 2
        assert all(".." not in n.split("/") and not n.startswith("/") for n in names)
        with session_scope(get_settings()) as session:
            ref = session.get(Item, first).reference
        member = next(n for n in names if n.startswith(f"dokumente/{ref}/"))
        assert archive.read(member) == b"erstes schreiben"
    with session_scope(get_settings()) as session:
        entry = session.scalars(select(AuditEvent).where(AuditEvent.action == "export.person")).one()
        assert entry.details["items"] == 2 and entry.details["by_email"] is True
        assert "maria" not in json.dumps(entry.details).lower()


@pytest.mark.postgres
def test_retention_on_postgres(settings, monkeypatch):
    from store.db import upgrade_schema
    from store.settings import get_settings
    from tests.services import postgres_database

    with postgres_database() as url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        get_settings.cache_clear()
        pg = get_settings()
        upgrade_schema(pg)
        due = _item(b"postgres abgelaufen", queue="wohngeld", closed_days_ago=200)
        held = _item(b"postgres gesperrt", queue="wohngeld", closed_days_ago=200, hold=True)
        report = retention.run_if_due(pg)  # takes the advisory lock on its own connection
        assert report is not None and [e["item_id"] for e in report.deleted_items] == [due]
        assert retention.run_if_due(pg) is None
        with session_scope(get_settings()) as session:
            assert session.get(Item, due) is None and session.get(Item, held) is not None
            assert audit.verify(session).ok
        from store.db import _engine_for

        _engine_for.cache_clear()
    get_settings.cache_clear()


def test_replies_that_joined_an_item_go_with_it(settings):
    # Given a closed item past its period with a reply that joined it
    blobs = blob_store(settings)
    case = _item(b"Antrag, erledigt", queue="wohngeld", closed_days_ago=200)
    reply = _item(b"Antwort der Buergerin", queue="wohngeld", closed_days_ago=None)
    with session_scope(get_settings()) as session:
        joined = session.get(Item, reply)
        joined.status, joined.thread_id = "joined", case
        sha = session.scalar(select(Document.sha256).where(Document.item_id == reply))
    # When retention runs
    report = retention.run_job(settings, blob_grace=timedelta(0))
    # Then both are gone, with the reply's original, and nothing is left pointing nowhere
    assert [e["item_id"] for e in report.deleted_items] == [case]
    with session_scope(get_settings()) as session:
        assert session.get(Item, reply) is None and session.get(Item, case) is None
        assert not session.scalars(select(Document).where(Document.item_id == reply)).all()
    assert not blobs.path_for(sha).exists()
