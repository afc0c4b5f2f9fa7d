"""Follow-ups through the outbox: acknowledgement, hand-over, appointment offer, referral."""

from __future__ import annotations

import email
import hashlib
import hmac
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlalchemy import select, update

from store.blobs import blob_store
from store.db import session_scope
from store.enums import Status
from store.models import Document, Item, OutboxMessage, utcnow
from store.settings import get_settings
from worker import outbox, steps

SECRET = "webhook-geheim"


class Receiver:
    """A Fachverfahren stand-in: accepts signed JSON, keeps each delivery key once."""

    def __init__(self, port: int = 0) -> None:
        self.requests: list[tuple[dict, bytes]] = []
        self.accepted: dict[str, dict] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
                if not hmac.compare_digest(self.headers.get("X-Eingang-Signature", ""), expected):
                    self.send_response(401)
                else:
                    receiver.accepted.setdefault(self.headers["X-Eingang-Delivery"], json.loads(body))
                    self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def configured(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict]:  # type: ignore[no-untyped-def]
    port = free_port()
    monkeypatch.setenv("EINGANG_EXPORT_WEBHOOK_URL", f"http://127.0.0.1:{port}/uebergabe")
    monkeypatch.setenv("EINGANG_EXPORT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("EINGANG_EXPORT_DROP_DIR", str(tmp_path / "drop"))
    monkeypatch.setenv("EINGANG_PUBLIC_BASE_URL", "http://testserver")
    get_settings.cache_clear()
    (tmp_path / "drop").mkdir()
    yield {"port": port, "drop": tmp_path / "drop", "mail": get_settings().data_dir / "mail-out"}


def classified_item(queue: str, intent: str, **classification: object) -> int:
    """An item as the classify step leaves it, with its original document stored."""
    text = "Anbei die Lohnabrechnung, BG-Nummer 26102BG0041877."
    c = {"queue": queue, "confidence": 0.9, "intent": intent, "urgent": False, "urgent_reasons": [],
         "facts": {}, "reasons": [], "abstained": False, **classification}
    sha = blob_store(get_settings()).put(b"From: erna@example.org\n\n" + text.encode())
    with session_scope(get_settings()) as session:
        item = Item(channel="email", received_at=utcnow(), status=Status.CLASSIFIED.value, sender="erna@example.org",
                    subject="Unterlagen", text=text, classification=c, queue=queue, intent=intent)
        session.add(item)
        session.flush()
        item.reference = f"EIN-{item.received_at:%Y}-{item.id:06d}"
        session.add(Document(item_id=item.id, role="original", sha256=sha, media_type="message/rfc822",
                             filename="mail.eml", size=10))
        return item.id


def messages(item_id: int) -> dict[str, OutboxMessage]:
    with session_scope(get_settings()) as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.item_id == item_id)).all()
        return {m.dedupe_key.split(":")[0]: m for m in rows}


def deliver_all(item_id: int) -> None:
    for m in messages(item_id).values():
        outbox.deliver(m.id, get_settings())


def sent_mails(folder: Path) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(p.read_bytes(), policy=policy.default) for p in sorted(folder.glob("*.eml"))]


def make_due(message_id: int) -> None:
    """Let the backoff (or a crashed worker's claim) run out."""
    with session_scope(get_settings()) as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id)
                        .values(next_attempt_at=utcnow() - timedelta(seconds=1)))


def test_auto_process_acknowledges_and_hands_over(configured: dict) -> None:
    receiver = Receiver(configured["port"])
    try:
        item_id = classified_item("jobcenter", "unterlagen", facts={"bg_nummer": ["26102BG0041877"]})
        # When the item is routed, the follow-ups are planned with the decision
        assert steps.route_item(item_id, settings=get_settings()).step == "act"
        planned = messages(item_id)
        assert set(planned) == {"ack", "export-webhook", "export-drop"}
        deliver_all(item_id)
    finally:
        receiver.stop()
    with session_scope(get_settings()) as session:
        reference = session.get(Item, item_id).reference
    # Then the citizen has an acknowledgement with our reference in the subject
    [ack] = sent_mails(configured["mail"])
    assert ack["To"] == "erna@example.org"
    assert f"[{reference}]" in ack["Subject"]
    body = ack.get_content()
    assert "Jobcenter" in body and "http://testserver/termin/" in body  # voluntary consultation offer
    # … the webhook got the signed record once, and the drop folder holds JSON + documents
    [record] = receiver.accepted.values()
    assert record["reference"] == reference and record["queue"] == "jobcenter"
    folder = configured["drop"] / reference
    stored = json.loads((folder / "vorgang.json").read_text(encoding="utf-8"))
    assert stored["documents"][0]["file"] == "01-original.eml"
    assert (folder / "01-original.eml").read_bytes().startswith(b"From: erna@example.org")


def test_webhook_down_for_a_while_is_retried_and_delivered_once(configured: dict) -> None:
    item_id = classified_item("wohngeld", "weiterbewilligung")
    steps.route_item(item_id, settings=get_settings())
    hook = messages(item_id)["export-webhook"]
    # Given the receiver is down: two attempts fail and stay pending with the reason
    for attempt in (1, 2):
        assert outbox.deliver(hook.id, get_settings()) is False
        with session_scope(get_settings()) as session:
            m = session.get(OutboxMessage, hook.id)
            assert (m.status, m.attempts) == ("pending", attempt)
            assert "nicht erreichbar" in m.last_error
            assert m.next_attempt_at > utcnow()  # backoff
        assert outbox.deliver(hook.id, get_settings()) is False  # not due yet: nothing happens
        make_due(hook.id)
    # When it is back, the next attempt delivers; later attempts send nothing
    receiver = Receiver(configured["port"])
    try:
        assert outbox.deliver(hook.id, get_settings()) is True
        make_due(hook.id)
        assert outbox.deliver(hook.id, get_settings()) is False
    finally:
        receiver.stop()
    assert len(receiver.requests) == 1 and len(receiver.accepted) == 1
    with session_scope(get_settings()) as session:
        assert session.get(OutboxMessage, hook.id).status == "sent"


def test_crash_between_delivery_and_mark_does_not_hand_over_twice(configured: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    receiver = Receiver(configured["port"])
    try:
        item_id = classified_item("wohngeld", "aenderung")
        steps.route_item(item_id, settings=get_settings())
        planned = messages(item_id)

        # Given a worker that dies right after the hand-over, before it marks the message sent
        class Crash(BaseException):
            pass

        real_scope = outbox.session_scope
        calls = {"n": 0}

        def dying_scope(*a, **k):  # type: ignore[no-untyped-def]
            calls["n"] += 1
            if calls["n"] == 2:  # 1: claim, 2: mark sent
                raise Crash()
            return real_scope(*a, **k)

        monkeypatch.setattr(outbox, "session_scope", dying_scope)
        for key in ("export-webhook", "export-drop"):
            calls["n"] = 0
            with pytest.raises(Crash):
                outbox.deliver(planned[key].id, get_settings())
        monkeypatch.setattr(outbox, "session_scope", real_scope)

        # When the claim runs out and another worker delivers again
        for key in ("export-webhook", "export-drop"):
            make_due(planned[key].id)
            assert outbox.deliver(planned[key].id, get_settings()) is True
    finally:
        receiver.stop()
    # Then the receiver saw the same delivery key twice and kept it once; one folder only
    keys = [h["X-Eingang-Delivery"] for h, _ in receiver.requests]
    assert keys == [f"export-webhook:{item_id}"] * 2
    assert len(receiver.accepted) == 1
    assert [p.name for p in configured["drop"].iterdir()] == [f"EIN-{utcnow():%Y}-{item_id:06d}"]


def test_offer_appointment_booking_link_and_calendar(configured: dict) -> None:
    from admin.app import create_app

    item_id = classified_item("schuldnerberatung", "auskunft")
    steps.route_item(item_id, settings=get_settings())
    deliver_all(item_id)
    [offer_mail] = sent_mails(configured["mail"])
    body = offer_mail.get_content()
    slots = re.findall(r"^  - (.+)$", body, re.M)
    assert 2 <= len(slots) <= 3
    assert "Schuldnerberatung" not in offer_mail["Subject"]
    link = re.search(r"http://testserver(/termin/\S+)", body).group(1)

    client = TestClient(create_app())
    page = client.get(link)
    assert page.status_code == 200 and "Termin verbindlich buchen" in page.text
    slot_id = re.search(r'name="slot_id" value="(\d+)"', page.text).group(1)
    booked = client.post(link, data={"slot_id": slot_id})
    assert booked.status_code == 200 and "Termin gebucht" in booked.text
    # The link is single use: a second booking is refused with a clear German page
    again = client.post(link, data={"slot_id": slot_id})
    assert again.status_code == 410 and "bereits verwendet" in again.text

    # The confirmation carries an iCalendar file without social data in its title
    confirmation = messages(item_id)["confirm"]
    outbox.deliver(confirmation.id, get_settings())
    mail = next(m for m in sent_mails(configured["mail"]) if m["Message-ID"] != offer_mail["Message-ID"])
    ics = next(p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar")
    event = Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == "Termin – Stadt Oldenburg (Oldb)"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    cancel_link = re.search(r"http://testserver(/termin/absagen/\S+)", text).group(1)
    assert "Termin absagen" in client.get(cancel_link).text
    assert "abgesagt" in client.post(cancel_link).text
    assert client.post(cancel_link).status_code == 410


def test_expired_or_forged_link_gets_a_german_page(configured: dict) -> None:
    from admin.app import create_app
    from store.models import LinkToken

    item_id = classified_item("suchtberatung", "termin")
    steps.route_item(item_id, settings=get_settings())
    deliver_all(item_id)
    link = re.search(r"http://testserver(/termin/\S+)", sent_mails(configured["mail"])[0].get_content()).group(1)
    with session_scope(get_settings()) as session:
        session.execute(update(LinkToken).values(expires_at=utcnow() - timedelta(minutes=1)))
    client = TestClient(create_app())
    expired = client.get(link)
    assert expired.status_code == 410 and "abgelaufen" in expired.text
    forged = client.get(link[:-3] + "abc")
    assert forged.status_code == 404 and "ungültig" in forged.text


def test_refer_tells_the_citizen_where_to_go(configured: dict) -> None:
    item_id = classified_item("extern", "antrag", referral_to="Familienkasse")
    steps.route_item(item_id, settings=get_settings())
    assert set(messages(item_id)) == {"refer"}
    deliver_all(item_id)
    [mail] = sent_mails(configured["mail"])
    assert "Familienkasse" in mail["Subject"]
    assert "0800 4 5555 30" in mail.get_content()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert (item.queue, item.action, item.referral_to) == ("extern", "refer", "Familienkasse")
        assert item.decision["explanation"][-1].startswith("Ergebnis: extern")


def test_one_clearing_decision_routes_plans_and_teaches(configured: dict) -> None:
    from services.clearing import ClearingError, decide
    from store.models import Event, TrainingExample

    item_id = classified_item("clearing", "auskunft", abstained=True, confidence=0.0)
    steps.route_item(item_id, settings=get_settings())
    assert messages(item_id) == {}  # the Clearing-Stelle sends nothing by itself
    with pytest.raises(ClearingError, match="zuständige Stelle"):
        decide(get_settings(), item_id, "extern", "clearing:anna")
    ids = decide(get_settings(), item_id, "wohngeld", "clearing:anna", note="Mietzuschuss")
    assert set(messages(item_id)) == {"ack", "export-webhook", "export-drop"} and len(ids) == 3
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert (item.queue, item.action) == ("wohngeld", "auto_process")
        assert item.decision["explanation"][-1] == "Clearing-Stelle (clearing:anna): an wohngeld – Mietzuschuss."
        example = session.scalars(select(TrainingExample)).one()
        assert (example.queue, example.source, example.created_by) == ("wohngeld", "clearing", "clearing:anna")
        kinds = session.scalars(select(Event.kind).where(Event.item_id == item_id)).all()
        assert "clearing_decided" in kinds


def test_worker_killed_during_hand_over_does_not_hand_over_twice(configured: dict) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    arrived, release = threading.Event(), threading.Event()

    receiver = Receiver(configured["port"])
    handler = receiver.server.RequestHandlerClass
    original = handler.do_POST

    def held_post(self):  # type: ignore[no-untyped-def]
        """Hold the request until the test has killed the sender, then accept it."""
        arrived.set()
        release.wait(20)
        original(self)

    handler.do_POST = held_post
    try:
        item_id = classified_item("jobcenter", "aenderung")
        steps.route_item(item_id, settings=get_settings())
        hook = messages(item_id)["export-webhook"]
        # Given a worker process that is SIGKILLed while the receiver handles its hand-over
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
        code = "import sys; from worker import actions, outbox; from store.settings import get_settings; outbox.deliver(int(sys.argv[1]), get_settings())"
        child = subprocess.Popen([sys.executable, "-c", code, str(hook.id)], env=env)
        assert arrived.wait(60), "the worker never reached the receiver"
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
        release.set()
        time.sleep(0.2)
        with session_scope(get_settings()) as session:
            assert session.get(OutboxMessage, hook.id).status == "pending"  # never marked sent
        # When its claim runs out, another worker delivers; after that nothing is sent again
        handler.do_POST = original
        make_due(hook.id)
        assert outbox.deliver(hook.id, get_settings()) is True
        make_due(hook.id)
        assert outbox.deliver(hook.id, get_settings()) is False
    finally:
        release.set()
        receiver.stop()
    # Then the receiver saw the same key twice and handed the item over once
    assert [h["X-Eingang-Delivery"] for h, _ in receiver.requests] == [f"export-webhook:{item_id}"] * 2
    assert len(receiver.accepted) == 1


def test_a_referral_is_answered_once_the_citizen_is_told(configured: dict) -> None:
    # Given a referred item whose answer is still in the outbox, it stays open
    item_id = classified_item("extern", "antrag", referral_to="Familienkasse")
    steps.route_item(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        assert session.get(Item, item_id).status == "routed"
    # When the answer is delivered, the item counts as answered (done) and says why
    deliver_all(item_id)
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "done" and item.closed_at is not None
        assert [e.message for e in item.events if e.kind == "answered"] == [
            "Verweisung beantwortet (Familienkasse)"
        ]
