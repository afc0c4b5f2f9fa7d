"""FIT-Connect channel against a local stand-in of the Submission API (tests/fitconnect_standin.py):
decryption, SHA-512 checks, metadata schema (../shared/schemas/fit-connect, read from there),
signed accept/reject events exactly once, callbacks with HMAC-SHA-512."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from jwcrypto import jwk
from sqlalchemy import select

from connectors import fitconnect_crypto as fc
from store.db import session_scope
from store.enums import Status
from store.models import Document, FitConnectSubmission, Item
from store.settings import get_settings
from tests.fitconnect_standin import Attachment, Server, StandIn
from tests.services import ROOT
from tests.test_mail_mime import text_pdf

SCHEMAS = ROOT.parent / "shared" / "schemas" / "fit-connect"
CALLBACK_SECRET = "callback-geheimnis-0123456789abcdef"
FORM = {"antragsteller": {"vorname": "Maria", "familienname": "Müller", "geburtsdatum": "1984-03-12",
                          "anschrift": {"strasse": "Gartenstraße 12", "plz": "26123", "ort": "Oldenburg"}},
        "antrag": {"art": "Mietzuschuss", "miete_monatlich": 845, "haushaltsmitglieder": 3},
        "bankverbindung": {"iban": "DE02120300000000202051"}}


@pytest.fixture(scope="module")
def keys() -> tuple[jwk.JWK, jwk.JWK]:
    return fc.generate_keys()  # 4096 bit, as FIT-Connect asks: once per module


@pytest.fixture()
def standin(settings, keys, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[StandIn, str, Server]]:  # type: ignore[no-untyped-def]
    enc, sig = keys
    service = StandIn()
    destination_id = service.add_destination(jwk.JWK.from_json(enc.export_public()),
                                             jwk.JWK.from_json(sig.export_public()), CALLBACK_SECRET)
    server = Server(service)
    monkeypatch.setenv("EINGANG_FITCONNECT_SCHEMA_DIR", str(SCHEMAS))
    monkeypatch.setenv("EINGANG_FITCONNECT_DESTINATIONS", json.dumps([{
        "name": "ozg", "destination_id": destination_id, "api_url": server.url,
        "token_url": f"{server.url}/token", "client_id": service.client_id,
        "client_secret": service.client_secret, "encryption_key": enc.export_private(),
        "signing_key": sig.export_private(), "callback_secret": CALLBACK_SECRET}]))
    get_settings.cache_clear()
    yield service, destination_id, server
    server.stop()


def subscriber():  # type: ignore[no-untyped-def]
    from connectors.fitconnect import Subscriber

    settings = get_settings()
    return Subscriber(settings.fitconnect_destinations[0], settings)


def lohn() -> Attachment:
    return Attachment("Lohnabrechnung Oktober.pdf", "application/pdf",
                      text_pdf("Lohnabrechnung Oktober 2026 Maria Mueller netto 1.480 Euro"))


def item_for(submission_id: str) -> Item:
    with session_scope(get_settings()) as session:
        row = session.get(FitConnectSubmission, submission_id)
        item = session.get(Item, row.item_id)
        item.documents  # noqa: B018 - loaded before the session closes
        session.expunge_all()
        return item


def test_submission_is_decrypted_verified_routed_and_accepted_once(standin, pipeline, keys) -> None:  # type: ignore[no-untyped-def]
    service, destination_id, _ = standin
    # Given an online application for Wohngeld, submitted on 20 November, encrypted to our key
    submitted = int(datetime(2026, 11, 20, 16, 5, tzinfo=UTC).timestamp())
    submission_id = service.submit(destination_id, FORM, [lohn()], submitted_at=submitted)
    # When eingang polls the destination
    result = subscriber().poll_once()
    assert (result.accepted, result.rejected) == (1, 0)
    pipeline.drain()
    # Then it is an item with the submission's receipt time, routed to the Wohngeldstelle
    item = item_for(submission_id)
    assert item.received_at == datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
    assert item.status == Status.ROUTED.value and item.queue == "wohngeld"
    assert item.subject == "Online-Antrag: Wohngeld" and item.sender == "maria@example.org"
    # … the form data as text and facts, the attachment as a document with its text
    assert "antragsteller.familienname: Müller" in item.text and "antrag.art: Mietzuschuss" in item.text
    assert item.facts["formular"]["antrag.miete_monatlich"] == "845"
    [original] = [d for d in item.documents if d.role == "original"]
    [attachment] = [d for d in item.documents if d.role == "attachment"]
    assert attachment.filename == "Lohnabrechnung Oktober.pdf" and "Lohnabrechnung" in attachment.text
    # … the original holds the envelope as received and the decrypted parts byte for byte
    from store.blobs import blob_store

    archive = zipfile.ZipFile(io.BytesIO(blob_store(get_settings()).get(original.sha256)))
    envelope = json.loads(archive.read("submission.json"))
    assert envelope == service.submissions[submission_id].envelope
    assert json.loads(archive.read("data.json")) == FORM
    # … and the Zustelldienst got exactly one accept-submission, signed with our key, naming
    # the authentication tags of every part
    [decision] = service.decisions(submission_id)
    event = decision["events"][fc.ACCEPT]
    tags = event["authenticationTags"]
    assert tags["metadata"] == envelope["encryptedMetadata"].rsplit(".", 1)[1]
    assert set(tags["attachments"]) == set(envelope["attachments"])
    assert decision["iss"] == destination_id and decision["txn"] == f"case:{envelope['caseId']}"
    token = service.events[envelope["caseId"]][-1]
    assert fc.read_event_token(token, keys[1])["jti"] == decision["jti"]
    # When it polls again, nothing is stored or sent twice
    assert subscriber().poll_once().accepted == 0
    assert len(service.decisions(submission_id)) == 1
    with session_scope(get_settings()) as session:
        assert len(session.scalars(select(Item)).all()) == 1


class Crash(BaseException):
    """The process dies here (not an Exception: nothing may catch and carry on)."""


def test_crash_between_commit_and_accept_accepts_exactly_once(store_backend, standin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # On SQLite and on PostgreSQL (the production path).
    from connectors import fitconnect
    from connectors.fitconnect_api import SubmissionApi

    service, destination_id, _ = standin
    first = service.submit(destination_id, FORM, [lohn()])
    second = service.submit(destination_id, FORM, [])
    # Given the process dies after the item's commit, before the accept reaches the Zustelldienst
    real_send = SubmissionApi.send_event

    def die_before(self, case_id, token):  # type: ignore[no-untyped-def]
        raise Crash()

    monkeypatch.setattr(SubmissionApi, "send_event", die_before)
    with pytest.raises(Crash):
        subscriber().poll_once()
    assert service.decisions(first) == [] and item_for(first).id
    # … and for the next one it dies after the accept was sent, before it was marked
    def die_after(self, case_id, token):  # type: ignore[no-untyped-def]
        real_send(self, case_id, token)
        raise Crash()

    monkeypatch.setattr(SubmissionApi, "send_event", die_after)
    with pytest.raises(Crash):
        subscriber().poll_once()
    monkeypatch.setattr(SubmissionApi, "send_event", real_send)
    # When a fresh process picks up again, after the grace left for a process still at work
    # (here at once: the test does not wait two minutes)
    from datetime import timedelta

    monkeypatch.setattr(fitconnect, "CONFIRM_GRACE", timedelta(0))
    result = subscriber().poll_once()
    # Then each submission is one item and accepted exactly once
    assert len(service.decisions(first)) == 1 and len(service.decisions(second)) == 1
    assert service.refused_events == 0
    with session_scope(get_settings()) as session:
        assert len(session.scalars(select(Item)).all()) == 2
        rows = session.scalars(select(FitConnectSubmission)).all()
        assert all(r.confirmed_at is not None and r.outcome == "accept" for r in rows)
    assert result.confirmed_later + result.accepted >= 1


def test_tampered_attachment_is_rejected_with_hash_mismatch_and_kept(standin) -> None:  # type: ignore[no-untyped-def]
    service, destination_id, _ = standin
    # Given an attachment exchanged after its hash went into the metadata
    tampered = lohn()
    tampered.sent_content = text_pdf("Lohnabrechnung Oktober 2026 netto 9.999 Euro")
    submission_id = service.submit(destination_id, FORM, [tampered])
    assert subscriber().poll_once().rejected == 1
    # Then the Zustelldienst has a reject-submission with the hash-mismatch problem for it
    [decision] = service.decisions(submission_id)
    attachment_id = service.submissions[submission_id].envelope["attachments"][0]
    [problem] = decision["events"][fc.REJECT]["problems"]
    assert problem["type"] == "https://schema.fitko.de/fit-connect/events/problems/hash-mismatch"
    assert problem["instance"] == f"attachment:{attachment_id}"
    # … and the submission is kept as an item that needs attention, with a German reason
    item = item_for(submission_id)
    assert item.status == Status.NEEDS_ATTENTION.value
    assert "zurückgewiesen" in item.status_reason and "Hashwert der Anlage" in item.status_reason
    assert [d.role for d in item.documents] == ["original"]


def test_metadata_breaking_the_schema_is_rejected_with_schema_violation(standin) -> None:  # type: ignore[no-untyped-def]
    service, destination_id, _ = standin
    # Given metadata whose attachment purpose is not one the schema allows
    submission_id = service.submit(destination_id, FORM, [lohn()],
                                   metadata_changes={"contentStructure.attachments.0.purpose": "sonstiges"})
    assert subscriber().poll_once().rejected == 1
    [decision] = service.decisions(submission_id)
    [problem] = decision["events"][fc.REJECT]["problems"]
    assert problem["type"].endswith("/problems/schema-violation") and problem["instance"] == "metadata"
    item = item_for(submission_id)
    assert item.status == Status.NEEDS_ATTENTION.value and "Metadatenschema" in item.status_reason


def test_callback_with_valid_hmac_picks_up_and_forged_or_old_ones_are_refused(standin) -> None:  # type: ignore[no-untyped-def]
    import uvicorn

    from admin.app import create_app
    from tests.services import free_port, wait_for_port

    service, destination_id, _ = standin
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning"))
    import threading

    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port(port, timeout=30)
    url = f"http://127.0.0.1:{port}/fitconnect/callback/ozg"
    try:
        submission_id = service.submit(destination_id, FORM, [])
        # A wrong HMAC and a timestamp older than five minutes are refused; nothing is fetched
        forged = service.notify(url, destination_id, [submission_id], CALLBACK_SECRET, signature="0" * 128)
        old = service.notify(url, destination_id, [submission_id], CALLBACK_SECRET,
                             timestamp=int(time.time()) - 301)
        wrong_secret = service.notify(url, destination_id, [submission_id], "ein-anderes-geheimnis")
        assert (forged.status_code, old.status_code, wrong_secret.status_code) == (403, 403, 403)
        assert "5 Minuten" in old.json()["error"]
        assert service.decisions(submission_id) == []
        # A valid callback starts the pick-up at once
        assert service.notify(url, destination_id, [submission_id], CALLBACK_SECRET).status_code == 200
        deadline = time.monotonic() + 60
        while not service.decisions(submission_id) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(service.decisions(submission_id)) == 1
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def test_callback_verification_is_hmac_sha512_over_timestamp_and_body() -> None:
    body, stamp = b'{"type":"x"}', "1672527599"
    import hashlib
    import hmac

    expected = hmac.new(b"s3cret", b"1672527599." + body, hashlib.sha512).hexdigest()
    assert fc.callback_hmac("s3cret", stamp, body) == expected
    assert fc.verify_callback("s3cret", stamp, expected, body, now=1672527599 + 299) is None
    assert fc.verify_callback("s3cret", stamp, expected, body, now=1672527599 + 301) is not None
    assert fc.verify_callback("s3cret", stamp, expected, body + b" ", now=1672527599) is not None


def test_only_rsa_oaep_256_with_a256gcm_is_decrypted(keys) -> None:  # type: ignore[no-untyped-def]
    from jwcrypto import jwe

    enc, _ = keys
    public = jwk.JWK.from_json(enc.export_public())
    weak = jwe.JWE(b"geheim", protected={"alg": "RSA-OAEP", "enc": "A128CBC-HS256"})
    weak.add_recipient(public)
    with pytest.raises(fc.DecryptionError):
        fc.decrypt(weak.serialize(compact=True), enc)
    good = jwe.JWE(b"geheim", protected={"alg": "RSA-OAEP-256", "enc": "A256GCM"})
    good.add_recipient(public)
    assert fc.decrypt(good.serialize(compact=True), enc) == b"geheim"


def test_stored_original_has_the_fitconnect_media_type(standin) -> None:  # type: ignore[no-untyped-def]
    service, destination_id, _ = standin
    submission_id = service.submit(destination_id, FORM, [])
    subscriber().poll_once()
    with session_scope(get_settings()) as session:
        item_id = session.get(FitConnectSubmission, submission_id).item_id
        [doc] = session.scalars(select(Document).where(Document.item_id == item_id)).all()
        assert doc.media_type == "application/vnd.eingang.fitconnect-submission+zip"


def test_running_subscriber_picks_up_and_reports_its_health(standin, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import threading

    from connectors.fitconnect import run
    from services.health import report

    service, destination_id, _ = standin
    monkeypatch.setenv("EINGANG_FITCONNECT_POLL_INTERVAL", "1")
    get_settings.cache_clear()
    submission_id = service.submit(destination_id, FORM, [])
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(get_settings(), stop), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not service.decisions(submission_id) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert len(service.decisions(submission_id)) == 1
        checks = report(get_settings(), broker=False).of("fitconnect")
        while "ozg" not in checks and time.monotonic() < deadline:
            time.sleep(0.2)
            checks = report(get_settings(), broker=False).of("fitconnect")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert checks["ozg"].status == "ok" and checks["ozg"].label


def test_online_application_reaches_the_e_akte_as_valid_xdomea(standin, settings, tmp_path, monkeypatch,  # type: ignore[no-untyped-def]
                                                              request) -> None:
    import xmlschema

    from tests.test_xdomea import NS, XSD, exported
    from worker.runtime import WorkerRuntime

    # Given the offices hand over to their E-Akte (configured before the worker starts: it
    # reads its settings at start-up)
    folder = tmp_path / "e-akte"
    folder.mkdir()
    monkeypatch.setenv("EINGANG_XDOMEA_HANDOVER", json.dumps({"*": str(folder)}))
    get_settings.cache_clear()
    pipeline = WorkerRuntime(get_settings(), threads=2)
    pipeline.start(sweep=False)
    request.addfinalizer(pipeline.stop)
    service, destination_id, _ = standin
    service.submit(destination_id, FORM, [lohn()])
    # When the application is picked up and routed
    subscriber().poll_once()
    pipeline.drain()
    # Then the E-Akte gets it as an xdomea Abgabe that validates against the official XSD, with
    # the application (the FIT-Connect original) and its attachment as an Anlage
    root, archive = exported(folder, xmlschema.XMLSchema(str(XSD)))
    document = root.find("x:Schriftgutobjekt/x:Vorgang/x:Dokument", NS)
    assert document.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) == "Online-Antrag: Wohngeld"
    [anlage] = document.findall("x:Anlage", NS)
    assert anlage.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) == "Lohnabrechnung Oktober.pdf"
    facts = dict((f.findtext("x:Name", namespaces=NS), f.findtext("x:Wert", namespaces=NS))
                 for f in root.iterfind(".//x:Feldgruppe/x:Feld", NS))
    assert "antrag.art: Mietzuschuss" in facts.get("Formularangaben", "")
