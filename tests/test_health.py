"""/health and /metrics: who may ask, and that they tell the truth about each part.

The mailbox test runs a Dovecot of its own and stops it: the poller's failure must show as
``fail`` in /health and as 2 in /metrics, while the other mailboxes' figures stay.
"""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from store.settings import get_settings
from tests.dovecot import PASSWORD, dovecot
from tests.web import client_for, create_users

TOKEN = "ueberwachung-test-token-1234567890"


@pytest.fixture
def monitored(settings, monkeypatch):  # type: ignore[no-untyped-def]
    from store.settings import get_settings

    monkeypatch.setenv("EINGANG_MONITORING_TOKEN", TOKEN)
    get_settings.cache_clear()
    create_users()
    return get_settings()


def _bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _component(report: dict, component: str, name: str = "") -> dict:
    found = [c for c in report["components"] if c["component"] == component and c["name"] == name]
    assert found, f"{component}/{name} missing in {report}"
    return found[0]


def _gauge(text: str, component: str, name: str) -> float | None:
    match = re.search(rf'^eingang_health_status{{component="{component}",name="{re.escape(name)}"}} (\S+)$',
                      text, re.M)
    return float(match.group(1)) if match else None


def test_only_the_token_or_an_admin_may_look(monitored):
    anonymous = client_for()
    for path in ("/health", "/metrics"):
        assert anonymous.get(path).status_code == 401
        assert anonymous.get(path, headers=_bearer("falsch")).status_code == 401
        assert client_for("jc").get(path).status_code == 403
        assert client_for("es").get(path).status_code == 403
        assert anonymous.get(path, headers=_bearer()).status_code in (200, 503)
        assert client_for("chef").get(path).status_code in (200, 503)
    assert anonymous.get("/healthz").json() == {"status": "ok"}  # liveness stays open and cheap


def test_each_part_reported(monitored, pipeline):
    from services import health
    from store import health_state
    from store.db import session_scope
    from store.models import OutboxMessage

    client = client_for()
    report = client.get("/health", headers=_bearer()).json()
    assert _component(report, "database")["status"] == "ok"
    assert _component(report, "broker")["status"] == "ok"
    assert _component(report, "outbox")["status"] == "ok"
    assert _component(report, "blobs")["status"] in ("ok", "warn")
    # The worker threads of the pipeline fixture beat (its first beat at start).
    deadline = time.monotonic() + 20
    while not [c for c in report["components"] if c["component"] == "worker" and c["status"] == "ok"]:
        assert time.monotonic() < deadline, report
        time.sleep(0.2)
        report = client.get("/health", headers=_bearer()).json()
    assert report["status"] != "fail" or any(c["status"] == "fail" for c in report["components"])

    # A message the outbox gave up on fails the outbox; the whole report answers 503.
    with session_scope(get_settings()) as session:
        session.add(OutboxMessage(kind="email", dedupe_key="t1", status="failed", payload={}))
    resp = client.get("/health", headers=_bearer())
    assert resp.status_code == 503
    outbox = _component(resp.json(), "outbox")
    assert outbox["status"] == "fail" and "1 endgültig fehlgeschlagen" in outbox["detail"]

    # Any part may report into the registry (e.g. an intake that could not enqueue).
    with session_scope(get_settings()) as session:
        health_state.report(session, "intake", "enqueue", "warn", "Weitergabe an den Broker verzögert.")
    extra = _component(client.get("/health", headers=_bearer()).json(), "intake", "enqueue")
    assert extra["status"] == "warn" and extra["last_error_at"]

    # The worker process leaves cleanly: no heartbeat left, workers fail.
    pipeline.stop()
    report = health.report(monitored)
    assert report.of("worker")[""].status == "fail"
    assert all(c.name == "" for c in report.checks if c.component == "worker")


def test_scan_folder_state(monitored):
    from connectors.scanfolder import ScanFolders
    from services import health

    folders = ScanFolders(monitored)
    assert health.report(monitored, broker=False).of("scan")["poststelle"].status == "warn"
    folders.poll()
    check = health.report(monitored, broker=False).of("scan")["poststelle"]
    assert check.status == "ok", check
    failed = monitored.scan_path / "poststelle" / "failed"
    (failed / "kaputt.pdf").write_bytes(b"%PDF-kaputt")
    (failed / "kaputt.pdf.grund.txt").write_text("unlesbar")
    folders.poll()
    check = health.report(monitored, broker=False).of("scan")["poststelle"]
    assert check.status == "warn" and "1 Datei(en)" in check.detail
    page = client_for("chef").get("/admin/kanaele").text  # the console shows the same
    assert "Warnung" in page and "1 Datei(en) in „failed“" in page


def test_metrics_count_intake_and_backlog(monitored, pipeline):
    from connectors.upload import Upload, accept_upload
    from store.enums import Channel

    client = client_for()
    before = client.get("/metrics", headers=_bearer()).text
    accept_upload(Upload(content=b"Ich beantrage Wohngeld. 26123 Oldenburg.", filename="a.txt",
                         source="test", actor="connector:test", external_id="m1",
                         channel=Channel.WEBFORM), monitored)
    pipeline.drain()
    text = client.get("/metrics", headers=_bearer()).text
    assert _received(text, "webform") == _received(before, "webform") + 1
    assert re.search(r'^eingang_items\{status="routed"\} [1-9]', text, re.M), text
    assert 'eingang_outbox_messages{status="failed"} 0.0' in text
    assert re.search(r'^eingang_stage_duration_seconds_count\{stage="classify"\} [1-9]', text, re.M)
    assert re.search(r'^eingang_classifier_confidence_count\{queue="\w+"\} [1-9]', text, re.M)
    # No personal data in any label: the text of the item appears nowhere.
    assert "Oldenburg" not in text and "Wohngeld." not in text


def _received(text: str, channel: str) -> float:
    match = re.search(rf'^eingang_items_received_total{{channel="{channel}"}} (\S+)$', text, re.M)
    return float(match.group(1)) if match else 0.0


def test_a_stopped_dovecot_turns_the_mailbox_fail(settings, monkeypatch):
    from connectors.imap_supervisor import start_pollers
    from store.settings import get_settings

    with dovecot(["wohngeld"]) as server:
        box = {"name": "wohngeld", "host": "127.0.0.1", "port": server.port, "security": "none",
               "user": "wohngeld", "password": PASSWORD, "poll_interval": 1}
        monkeypatch.setenv("EINGANG_IMAP_MAILBOXES", json.dumps([box]))
        monkeypatch.setenv("EINGANG_MONITORING_TOKEN", TOKEN)
        get_settings.cache_clear()
        stop = threading.Event()
        threads = start_pollers(get_settings(), stop)
        client = client_for()
        try:
            mailbox = _wait_for(client, "ok")
            assert mailbox["last_ok_at"] and "Letzter Abruf" in mailbox["detail"]
            metrics = client.get("/metrics", headers=_bearer()).text
            assert _gauge(metrics, "mailbox", "wohngeld") == 0
            assert re.search(r'^eingang_mailbox_last_poll_timestamp_seconds\{mailbox="wohngeld"\} \d',
                             metrics, re.M)
            server.stop()
            mailbox = _wait_for(client, "fail")
            assert "Server" in mailbox["detail"] or "Verbindung" in mailbox["detail"], mailbox
            assert "Letzter erfolgreicher Abruf" in mailbox["detail"]
            assert _gauge(client.get("/metrics", headers=_bearer()).text, "mailbox", "wohngeld") == 2
            create_users()
            page = client_for("chef").get("/admin/kanaele").text
            assert "Störung" in page and "Letzter erfolgreicher Abruf" in page
        finally:
            stop.set()
            for thread in threads:
                thread.join(timeout=15)


def _wait_for(client, status: str, seconds: float = 60) -> dict:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        report = client.get("/health", headers=_bearer()).json()
        mailbox = _component(report, "mailbox", "wohngeld")
        if mailbox["status"] == status:
            return mailbox
        assert time.monotonic() < deadline, f"mailbox never {status}: {mailbox}"
        time.sleep(0.3)



def test_mail_left_in_the_smtp_spool_is_reported(monitored):
    """Mail answered 250 and not yet an item: a segment nobody takes over turns the spool warn,
    then fail; the size shows, no content does."""
    import os
    from datetime import timedelta

    from connectors.spool import SUFFIX
    from services import health
    from store.models import utcnow

    assert health.SPOOL_SUFFIX == SUFFIX
    now = utcnow()
    assert health.spool(monitored, now).status == "ok"
    segment = monitored.spool_dir / f"smtp-4711-1{SUFFIX}"
    segment.parent.mkdir(parents=True, exist_ok=True)
    segment.write_bytes(b"x" * 3000)
    assert health.spool(monitored, now).status == "ok"  # being written or taken over right now
    stamp = (now - timedelta(minutes=5)).timestamp()
    os.utime(segment, (stamp, stamp))
    check = health.spool(monitored, now)
    assert check.status == "warn" and check.detail.startswith("1 Datei (3 KB), zuletzt geschrieben vor 5 Minuten")
    stamp = (now - timedelta(minutes=40)).timestamp()
    os.utime(segment, (stamp, stamp))
    report = client_for().get("/health", headers=_bearer()).json()
    spooled = _component(report, "spool")
    assert spooled["status"] == "fail" and "eingang smtp" in spooled["detail"]
    assert _gauge(client_for().get("/metrics", headers=_bearer()).text, "spool", "") == 2.0
