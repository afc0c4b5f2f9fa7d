"""Hand-over to the E-Akte as xdomea 3.0.0: every message written here is validated against
the official XSD (../shared/schemas/xdomea-3.0.0, read from there)."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema
from sqlalchemy import select

from store.db import session_scope
from store.enums import Channel, Status
from store.models import Item, OutboxMessage
from store.settings import get_settings
from tests.letters import WOHNGELD, image_pdf, render_page
from tests.mailgen import b64, mail, multipart, part
from tests.services import ROOT

XSD = ROOT.parent / "shared" / "schemas" / "xdomea-3.0.0" / "xdomea.xsd"
NS = {"x": "urn:xoev-de:xdomea:schema:3.0.0"}


@pytest.fixture(scope="module")
def schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD))


@pytest.fixture()
def handover(settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:  # type: ignore[no-untyped-def]
    folder = tmp_path / "e-akte"
    folder.mkdir()
    monkeypatch.setenv("EINGANG_XDOMEA_HANDOVER", f'{{"*": "{folder}"}}')
    monkeypatch.setenv("EINGANG_XDOMEA_XSD", str(XSD))  # the deliverer checks before writing too
    get_settings.cache_clear()
    return folder


@pytest.fixture()
def pipeline(handover: Path):  # type: ignore[no-untyped-def]
    """The worker started after the hand-over is configured, as a deployment starts it: the
    worker reads its settings once, at start-up."""
    from worker.runtime import WorkerRuntime

    runtime = WorkerRuntime(get_settings(), threads=2)
    runtime.start(sweep=False)
    yield runtime
    runtime.stop()


def ingest(content: bytes, filename: str, received_at: datetime, channel: Channel | None = None) -> int:
    from connectors.upload import Upload, accept_upload

    item_id, created = accept_upload(Upload(content=content, filename=filename, source="ingest:test",
                                            actor="cli:ingest", received_at=received_at, channel=channel), get_settings())
    assert created
    return item_id


def exported(folder: Path, schema: xmlschema.XMLSchema) -> tuple[ET.Element, zipfile.ZipFile]:
    [path] = list(folder.glob("*.zip"))
    archive = zipfile.ZipFile(path)
    [xml_name] = [n for n in archive.namelist() if n.endswith("_Abgabe.Abgabe.0401.xml")]
    assert path.name == xml_name.replace(".xml", ".zip")
    body = archive.read(xml_name)
    schema.validate(io.BytesIO(body))  # raises with the reason if the message breaks the XSD
    return ET.fromstring(body), archive


def primary_files(root: ET.Element) -> list[str]:
    return [e.text or "" for e in root.iterfind(".//x:Primaerdokument/x:Dateiname", NS)]


def test_scanned_letter_is_handed_over_as_a_valid_abgabe(settings, pipeline, handover: Path,
                                                         schema: xmlschema.XMLSchema) -> None:
    # Given a scanned letter with the Eingangsstempel of 20 November (late evening in Germany)
    stamp = datetime(2026, 11, 20, 23, 30, tzinfo=UTC)
    item_id = ingest(image_pdf([render_page(WOHNGELD)]), "brief.pdf", stamp)
    # When the pipeline has routed it and the outbox has delivered
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == Status.ROUTED.value and item.queue == "wohngeld"
        reference = item.reference
        [message] = session.scalars(select(OutboxMessage).where(
            OutboxMessage.item_id == item_id, OutboxMessage.kind == "xdomea")).all()
        assert message.status == "sent"
    # Then the hand-over folder holds one xdomea ZIP that validates against the official XSD
    root, archive = exported(handover, schema)
    assert root.tag == "{urn:xoev-de:xdomea:schema:3.0.0}Abgabe.Abgabe.0401"
    assert root.findtext("x:Kopf/x:Nachrichtentyp/code", namespaces=NS) == "0401"
    vorgang = root.find("x:Schriftgutobjekt/x:Vorgang", NS)
    assert vorgang.findtext("x:AllgemeineMetadaten/x:Kennzeichen", namespaces=NS) == reference
    assert vorgang.findtext("x:AllgemeineMetadaten/x:Federfuehrung", namespaces=NS) == "Wohngeldstelle"
    assert root.findtext("x:Kopf/x:Empfaenger/x:Organisationseinheit/x:Name", namespaces=NS) == "Wohngeldstelle"
    document = vorgang.find("x:Dokument", NS)
    # … the receipt date is the German calendar day of the stamp (00:30 on the 21st in Berlin)
    assert document.findtext("x:Posteingangsdatum", namespaces=NS) == "2026-11-21"
    # … with the scan, its searchable PDF and the extracted text as formats of the document
    formats = [f.findtext("x:Name/code", namespaces=NS) for f in document.iterfind("x:Version/x:Format", NS)]
    assert formats == ["018", "018", "045"]
    names = primary_files(root)
    assert sorted(names) == sorted(n for n in archive.namelist() if not n.endswith(".xml"))
    text = archive.read(next(n for n in names if n.endswith(".txt"))).decode()
    assert "Wohngeld" in text
    original = next(n for n in names if n.endswith("_original.pdf"))
    assert archive.read(original).startswith(b"%PDF")
    # … and the routing decision travels along
    fields = {f.findtext("x:Name", namespaces=NS): f.findtext("x:Wert", namespaces=NS)
              for f in vorgang.iterfind("x:AnwendungsspezifischeErweiterung/x:Feld", NS)}
    assert fields["Zuständige Stelle"] == "Wohngeldstelle" and fields["Eingangskanal"] == "Post (Scan)"


def test_email_with_attachments_is_handed_over_with_facts(settings, pipeline, handover: Path,
                                                          schema: xmlschema.XMLSchema) -> None:
    from tests.test_mail_mime import text_pdf

    # Given a mail to the Jobcenter with a PDF and a photo attached
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (40, 20), "white").save(png, "PNG")
    ctype, body = multipart("mixed", [
        part("Content-Type: text/plain; charset=utf-8",
             "Guten Tag,\nanbei die Lohnabrechnung für Oktober für meine Weiterbewilligung "
             "Bürgergeld. BG-Nummer 26102BG0041877.\nMit freundlichen Grüßen\nMaria Müller"),
        part('Content-Type: application/pdf\nContent-Disposition: attachment; filename="Lohn Oktober.pdf"'
             "\nContent-Transfer-Encoding: base64", b64(text_pdf("Lohnabrechnung Oktober 2026"))),
        part('Content-Type: image/png\nContent-Disposition: attachment; filename="../../etc/passwd.png"'
             "\nContent-Transfer-Encoding: base64", b64(png.getvalue())),
    ])
    head = ("From: Maria Müller <maria@example.org>\nTo: post@stadt-oldenburg.de\n"
            "Message-ID: <x1@example.org>\nDate: Tue, 24 Nov 2026 10:00:00 +0100\nMIME-Version: 1.0\n")
    raw = mail(f"Subject: Unterlagen Weiterbewilligung\n{ctype}", body, head=head)
    item_id = ingest(raw, "mail.eml", datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.queue == "jobcenter" and item.status == Status.ROUTED.value
    root, archive = exported(handover, schema)
    document = root.find("x:Schriftgutobjekt/x:Vorgang/x:Dokument", NS)
    assert document.findtext("x:Posteingangsdatum", namespaces=NS) == "2026-11-24"
    assert document.findtext("x:Bezug", namespaces=NS) == "Aktenzeichen 26102BG0041877"
    assert document.findtext("x:Absender/x:Kommunikation/x:Kennung", namespaces=NS) == "maria@example.org"
    # The two attachments are Anlagen with their own files; the citizen's names are display only
    attachments = document.findall("x:Anlage", NS)
    assert [a.findtext("x:AllgemeineMetadaten/x:Betreff", namespaces=NS) for a in attachments] == [
        "Lohn Oktober.pdf", "passwd.png"]
    for name in primary_files(root):
        assert "/" not in name and name in archive.namelist()
    assert document.findtext("x:Version/x:Format/x:Name/code", namespaces=NS) == "006"  # the .eml
    facts = [(f.findtext("x:Name", namespaces=NS), f.findtext("x:Wert", namespaces=NS))
             for f in root.iterfind(".//x:Feldgruppe/x:Feld", NS)]
    assert ("BG-Nummer", "26102BG0041877") in facts


def test_repeated_delivery_writes_one_zip_and_offices_without_folder_get_none(
        settings, handover: Path, schema: xmlschema.XMLSchema, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_followups import classified_item
    from worker import outbox, steps

    monkeypatch.setenv("EINGANG_XDOMEA_HANDOVER", f'{{"jobcenter": "{handover}"}}')
    get_settings.cache_clear()
    jobcenter = classified_item("jobcenter", "unterlagen")
    sucht = classified_item("suchtberatung", "termin")
    for item_id in (jobcenter, sucht):
        steps.route_item(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        kinds = {(m.item_id, m.kind) for m in session.scalars(select(OutboxMessage))}
        [message_id] = [m.id for m in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "xdomea"))]
    assert (jobcenter, "xdomea") in kinds and (sucht, "xdomea") not in kinds
    from worker.xdomea_export import deliver_xdomea

    assert outbox.deliver(message_id, get_settings())
    with session_scope(get_settings()) as session:
        message = session.get(OutboxMessage, message_id)
        session.expunge(message)
    deliver_xdomea(message, get_settings())  # a repeat after a crash before the "sent" mark
    exported(handover, schema)
    assert [p.name for p in handover.iterdir() if p.name.startswith(".")] == []


def test_office_hands_over_to_its_own_folder_set_in_the_catalogue(settings, tmp_path: Path,
                                                                   schema: xmlschema.XMLSchema) -> None:
    from store.catalogue import CatalogueError, change_office
    from tests.test_followups import classified_item
    from worker import outbox, steps

    # Given the Jobcenter's transfer directory is set on the office (console / Kommune profile)
    folder = tmp_path / "e-akte-jobcenter"
    folder.mkdir()
    with session_scope(get_settings()) as session:
        change_office(session, "jobcenter", {"xdomea_dir": str(folder)}, "web:chef", settings=get_settings())
    with pytest.raises(CatalogueError, match="absoluten Pfad"), session_scope(get_settings()) as session:
        change_office(session, "wohngeld", {"xdomea_dir": "relativ/ordner"}, "web:chef", settings=get_settings())
    jobcenter = classified_item("jobcenter", "unterlagen")
    wohngeld = classified_item("wohngeld", "antrag")
    for item_id in (jobcenter, wohngeld):
        steps.route_item(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        messages = {m.item_id: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "xdomea"))}
        assert set(messages) == {jobcenter}  # no folder for the Wohngeldstelle, none configured
        message_id = messages[jobcenter].id
    assert outbox.deliver(message_id, get_settings())
    root, _ = exported(folder, schema)
    assert root.findtext(".//x:Kopf/x:Empfaenger/x:Organisationseinheit/x:Name", namespaces=NS) == "Jobcenter"
