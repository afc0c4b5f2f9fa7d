"""The mailroom as the Poststelle uses it every day (issue #14): a separator word misread by
OCR still separates, the printable QR separator sheet is recognised, letters get their subject
and sender from the text, the Eingangsstempel is never in the future and changes with a
reason, an impossible re-split is refused in German, and the batch's summary stays right."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from extraction.split import SplitRules, separator_reason
from extraction.types import PageText
from store.settings import get_settings
from tests import letters
from tests.web import client_for, create_users, csrf_of
from worker.letter_title import letter_title

GRUNDSICHERUNG = [
    "Helga Schröder",
    "Am Schlossplatz 3, 26122 Oldenburg",
    "",
    "Antrag auf Grundsicherung im Alter – Helga Schröder",
    "",
    "Sehr geehrte Damen und Herren,",
    "ich bin 74 Jahre alt und meine Rente reicht nicht mehr",
    "für die Miete. Ich beantrage Grundsicherung im Alter.",
    "",
    "Mit freundlichen Grüßen",
    "Helga Schröder",
]


@pytest.mark.parametrize("text", ["IRENNBLAIT", "T R E N N B L A T T", "TRENNBLAT", "TRENNBIATT"])
def test_a_separator_word_misread_by_ocr_still_separates(text):
    assert separator_reason(PageText(2, text, "ocr"), SplitRules()) is not None


@pytest.mark.parametrize("text", [
    "Sehr geehrte Damen und Herren, anbei das trennbare Blatt meiner Unterlagen",
    "Kontoauszug November",
])
def test_ordinary_pages_are_no_separators(text):
    assert separator_reason(PageText(2, text, "ocr"), SplitRules()) is None


def test_the_printable_separator_sheet_is_recognised_by_its_qr_code(settings):
    from admin.separator_sheet import separator_pdf
    from extraction import extract
    from worker.limits import extraction_limits

    result = extract(separator_pdf("TRENNBLATT", "Stadt Oldenburg (Oldb)"), "application/pdf",
                     extraction_limits(get_settings(), batch=True))
    page = result.pages[0]
    assert "TRENNBLATT" in page.barcodes
    assert separator_reason(page, SplitRules()).startswith("Trennblatt mit Code")


def test_a_letter_is_named_by_its_subject_line_and_sender():
    text = "\n".join(GRUNDSICHERUNG)
    assert letter_title(text) == ("Antrag auf Grundsicherung im Alter", "Helga Schröder")


@pytest.fixture
def batch(settings, pipeline):  # type: ignore[no-untyped-def]
    """A scanned two-letter batch, split by the pipeline; the Poststelle's web client."""
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch

    create_users()
    content = letters.image_pdf([letters.render_page(GRUNDSICHERUNG), letters.separator_page(),
                                 letters.render_page(letters.WIDERSPRUCH)])
    item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                      actor="test", received_at=datetime(2026, 11, 18, 8, 0, tzinfo=UTC),
                                      batch=True), get_settings())
    pipeline.drain()
    with session_scope(get_settings()) as session:
        batch_id = session.scalar(select(Batch.id).where(Batch.item_id == item_id))
    return batch_id, client_for("post")


def test_letters_get_subject_and_sender_from_the_scan(batch):
    from store.db import session_scope
    from store.models import Batch, Item

    batch_id, _client = batch
    with session_scope(get_settings()) as session:
        first = session.get(Item, session.get(Batch, batch_id).letters[0]["item_id"])
        assert first.subject == "Antrag auf Grundsicherung im Alter"
        assert first.sender_name == "Helga Schröder"


def test_the_eingangsstempel_is_never_in_the_future_and_changes_with_a_reason(batch):
    batch_id, client = batch
    page = f"/post/stapel/{batch_id}"
    token = csrf_of(client.get(page).text)
    tomorrow = (date.today() + timedelta(days=45)).isoformat()
    future = client.post(f"{page}/eingangsdatum", data={"received_on": tomorrow, "reason": "Tippfehler",
                                                        "csrf_token": token}, follow_redirects=True)
    assert "kann nicht in der Zukunft liegen" in future.text
    no_reason = client.post(f"{page}/eingangsdatum", data={"received_on": "2026-11-17", "csrf_token": token},
                            follow_redirects=True)
    assert "Bitte einen Grund" in no_reason.text
    done = client.post(f"{page}/eingangsdatum", data={"received_on": "2026-11-17", "reason": "Lag im Briefkasten",
                                                      "csrf_token": token}, follow_redirects=True)
    assert "Eingangsstempel auf 17.11.2026 gesetzt" in done.text
    from store.db import session_scope
    from store.models import Event

    with session_scope(get_settings()) as session:
        texts = session.scalars(select(Event.message).where(Event.kind == "receipt_date")).all()
    assert texts and all("Grund: Lag im Briefkasten" in t for t in texts)
    upload = client.post("/post/upload", data={"received_on": tomorrow, "kind": "letter", "csrf_token": token},
                         files={"file": ("brief.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")},
                         follow_redirects=True)
    assert "kann nicht in der Zukunft liegen" in upload.text


def test_an_impossible_resplit_is_refused_and_the_summary_stays_right(batch):
    batch_id, client = batch
    page = f"/post/stapel/{batch_id}"
    token = csrf_of(client.get(page).text)
    wrong = client.post(f"{page}/aufteilen", data={"starts": "2, 9", "csrf_token": token}, follow_redirects=True)
    assert "Seite 9 gibt es nicht: der Stapel hat 3 Seiten" in wrong.text
    assert "0 Briefe neu angelegt" not in wrong.text
    one = client.post(f"{page}/aufteilen", data={"starts": "1", "csrf_token": token}, follow_redirects=True)
    assert "Neu aufgeteilt; 1 Brief neu angelegt" in one.text
    assert "Aufgeteilt in 1 Brief<" in one.text and "Aufgeteilt in 2 Briefe" not in one.text
    same = client.post(f"{page}/aufteilen", data={"starts": "1", "csrf_token": token}, follow_redirects=True)
    assert "Die Aufteilung ist unverändert" in same.text
