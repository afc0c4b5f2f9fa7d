"""Paper replies: a reply to a letter or phone note becomes a DIN 5008 letter (Form B) as PDF,
kept in the item, shown in its conversation, audited."""

from __future__ import annotations

import io
from datetime import date

import pypdf
import pytest

from store.settings import get_settings
from tests.web import add_item, client_for, create_users, post_form

MM = 72 / 25.4  # PDF points per millimetre


def _placed_text(pdf: bytes) -> list[tuple[float, float, str]]:
    """(mm from the left edge, mm from the top edge, text) of every text run on page 1."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    runs = []

    def visit(text, cm, tm, _font, _size):  # type: ignore[no-untyped-def]
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            runs.append((x / MM, (height - y) / MM, text.strip()))

    page.extract_text(visitor_text=visit)
    return runs


def test_a_letter_in_din_5008_form_b() -> None:
    from worker.letters import Letter, letter_pdf

    letter = Letter("Stadt Oldenburg (Oldb)", "Sozialamt", "Pferdemarkt 14, 26121 Oldenburg",
                    ["Frau", "Helga Schröder", "Gartenweg 3", "26123 Oldenburg"], "EIN-2026-000005",
                    date(2026, 12, 1), "Antwort auf Ihre Nachricht",
                    "Guten Tag Frau Schröder,\n\nIhr Antrag ist da.\n\nMit freundlichen Grüßen\nAnna Beispiel",
                    date(2026, 11, 28), [("Telefon", "0441 235-0")])
    runs = _placed_text(letter_pdf(letter))
    where = {text: (x, y) for x, y, text in runs}
    # The address sits in the window: 20–105 mm from the left, the address zone 62.7–90 mm
    # from the top (Form B), below the return line.
    for line in ("Frau", "Helga Schröder", "Gartenweg 3", "26123 Oldenburg"):
        x, y = where[line]
        assert 20 <= x <= 105 and 62.7 <= y <= 90, (line, x, y)
    assert where["Frau"][1] < where["26123 Oldenburg"][1]
    back = next((x, y) for x, y, t in runs if t.startswith("Stadt Oldenburg (Oldb) · Sozialamt"))
    assert 45 <= back[1] < 62.7  # Rücksendeangabe in the Zusatz- und Vermerkzone
    # Information block from 125 mm: our reference, date in German, their message's date.
    assert where["Unser Zeichen"][0] == pytest.approx(125, abs=1) and "EIN-2026-000005" in where
    assert "1. Dezember 2026" in where and "28.11.2026" in where
    # Subject below the address field, then the body; the letterhead above the window.
    assert where["Antwort auf Ihre Nachricht"][1] > 95
    assert where["Stadt Oldenburg (Oldb)"][1] < 45
    assert where["Guten Tag Frau Schröder,"][1] > where["Antwort auf Ihre Nachricht"][1]
    assert "Mit freundlichen Grüßen" in where and "Seite 1 von 1" in where


def test_bad_addresses_are_refused_in_german() -> None:
    from worker.letters import LetterError, address_lines

    assert address_lines("Helga Schröder, Gartenweg 3\n26123 Oldenburg") == [
        "Helga Schröder", "Gartenweg 3", "26123 Oldenburg"]
    with pytest.raises(LetterError, match="Anschrift"):
        address_lines("  ")
    with pytest.raises(LetterError, match="Fenster"):
        address_lines("\n".join(f"Zeile {n}" for n in range(7)))


def test_replying_to_a_letter_makes_a_pdf_kept_in_the_item(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.catalogue import change_office
    from store.db import session_scope
    from store.models import AuditEvent, Document, Event, Item

    create_users()
    with session_scope(get_settings()) as session:
        change_office(session, "sozialamt", {"contact": {"phone": "0441 235-4567", "email": "",
                                                         "address": "Pferdemarkt 14, 26121 Oldenburg"}},
                      "web:chef", settings=get_settings())
    item_id = add_item("Antrag auf Grundsicherung im Alter", "Ich bitte um Grundsicherung.", "sozialamt",
                       channel="letter")
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        item.sender, item.sender_name = None, "Helga Schröder"
        item.facts = {"address": ["Gartenweg 3, 26123 Oldenburg"]}
        reference = item.reference
    es = client_for("sozial")  # the Sozialamt writes: its letterhead and phone number
    page = es.get(f"/items/{item_id}").text
    # A letter came in: the paper reply is offered first, the address filled in from the text.
    assert "Als Brief (PDF) erstellen" in page
    assert "Helga Schröder\nGartenweg 3\n26123 Oldenburg</textarea>" in page
    resp = post_form(es, f"/items/{item_id}", f"/items/{item_id}/antworten/brief", {
        "template": "antwort", "text": "Sehr geehrte Frau Schröder,\nIhr Antrag ist vollständig.\nMfG",
        "address": "Frau\nHelga Schröder\nGartenweg 3\n26123 Oldenburg"})
    assert resp.headers["location"].endswith("#h-conversation")
    page = es.get(resp.headers["location"]).text
    assert "Antwortbrief erstellt" in page and "Brief herunterladen (PDF, 1 Seite)" in page
    with session_scope(get_settings()) as session:
        doc = session.scalars(select(Document).where(Document.item_id == item_id, Document.role == "letter")).one()
        history = [(e.kind, e.message) for e in session.scalars(select(Event).where(Event.item_id == item_id))]
        audited = session.scalars(select(AuditEvent.action).where(AuditEvent.item_id == item_id)).all()
    assert ("letter_created", "Antwortbrief „Freie Antwort (Text unten)“ als PDF zum Drucken erstellt") in history
    assert "item.letter_created" in audited and "Brief erstellt" in page
    pdf = es.get(f"/items/{item_id}/dokumente/{doc.id}")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    inline = es.get(f"/items/{item_id}/dokumente/{doc.id}?ansehen=1")
    assert inline.headers["content-type"] == "application/pdf" and "inline" in inline.headers["content-disposition"]
    text = "\n".join(t for _, _, t in _placed_text(pdf.content))
    for part in ("Stadt Oldenburg (Oldb)", "Pferdemarkt 14, 26121 Oldenburg", "Helga Schröder", "Gartenweg 3",
                 "26123 Oldenburg", "Unser Zeichen", reference, "Telefon", "0441 235-4567",
                 "Antwort auf Ihre Nachricht: Antrag auf Grundsicherung im Alter",
                 "Sehr geehrte Frau Schröder,", "Ihr Antrag ist vollständig.", "Mit freundlichen Grüßen",
                 "Test sozial", "Sozialamt"):
        assert part in text, part
    assert "MfG" not in text and "Guten Tag" not in text  # one greeting, one closing
    # An address that does not fit is refused, nothing is made.
    bad = post_form(es, f"/items/{item_id}", f"/items/{item_id}/antworten/brief",
                    {"template": "antwort", "text": "Hallo", "address": "nur ein Name"})
    assert "vollständige Anschrift" in es.get(bad.headers["location"]).text


@pytest.mark.parametrize("written", [
    "Anna Schulz\nHauptstraße 7\n26121 Oldenburg\n\nStadt Oldenburg\nWohngeldstelle\n\nAntrag auf Wohngeld\n\n"
    "Sehr geehrte Damen und Herren,\nich beantrage Wohngeld.",  # the letterhead names her
    "Antrag auf Wohngeld\n\nSehr geehrte Damen und Herren,\nich beantrage Wohngeld.\n\n"
    "Mit freundlichen Grüßen\nAnna Schulz",  # only her signature does
])
def test_the_acknowledgement_of_a_letter_greets_its_writer_by_name(settings, written) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Item

    create_users()
    # Given a letter whose subject line names nobody, so the item has no sender name of its own
    item_id = add_item("Antrag auf Wohngeld", written, "wohngeld", channel="letter")
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        item.sender, item.sender_name = None, None
    es = client_for("es")
    # When the Eingangsservice prints the acknowledgement
    resp = post_form(es, f"/items/{item_id}", f"/items/{item_id}/antworten/brief", {
        "template": "eingangsbestaetigung", "text": "",
        "address": "Anna Schulz\nHauptstraße 7\n26121 Oldenburg"})
    assert resp.status_code == 303
    with session_scope(get_settings()) as session:
        from sqlalchemy import select

        from store.blobs import blob_store
        from store.models import Document

        doc = session.scalars(select(Document).where(Document.item_id == item_id, Document.role == "letter")).one()
        pdf = blob_store(get_settings()).get(doc.sha256)
    # Then it greets her by the name the letter gives
    text = "\n".join(t for _, _, t in _placed_text(pdf))
    assert "Guten Tag Anna Schulz," in text
