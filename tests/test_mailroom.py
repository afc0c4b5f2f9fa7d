"""Paper post end to end (embedded pipeline, real tesseract): batches split into routed letters,
single scans with a searchable PDF, re-splitting by hand, the Eingangsstempel of a batch."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from connectors.upload import Upload, accept_upload, images_to_pdf
from store.blobs import blob_store
from store.db import session_scope
from store.models import Batch, Document, Event, Item
from store.settings import get_settings
from tests import letters
from tests.web import client_for, create_users

pytestmark = pytest.mark.slow

STAMP = datetime(2026, 11, 18, 8, 0, tzinfo=UTC)  # the post arrived two days before the scan


def _pages(between):  # three letters (the second two pages long) with sheets between them
    return [
        letters.render_page(letters.WOHNGELD),
        between(),
        letters.render_page(letters.WIDERSPRUCH),
        letters.render_page(["Seite 2 des Widerspruchs", "Anlage: Bescheid vom 3. März"]),
        between(),
        letters.rotated(letters.render_page(letters.UMZUG), 180),
    ]


def _batch(content: bytes, name: str, **rules) -> int:
    item_id, created = accept_upload(
        Upload(content=content, filename=name, source="upload:test", actor="test",
               external_id=name, received_at=STAMP, batch=True, split_rules=rules), get_settings()
    )
    assert created
    return item_id


def _letters(batch_item_id: int) -> tuple[Batch, list[Item]]:
    with session_scope(get_settings()) as session:
        batch = session.scalars(select(Batch).where(Batch.item_id == batch_item_id)).one()
        ids = [x["item_id"] for x in batch.letters]
        items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
        session.expunge_all()
        return batch, [items[i] for i in ids]


@pytest.mark.parametrize("between", ["separator", "blank"])
def test_three_letter_batch_becomes_three_routed_items(settings, pipeline, between):
    sheet = letters.separator_page if between == "separator" else letters.blank_page
    batch_item = _batch(letters.image_pdf(_pages(sheet)), f"stapel-{between}.pdf")
    pipeline.drain()

    batch, items = _letters(batch_item)
    assert batch.status == "split"
    assert [x["pages"] for x in batch.letters] == [[1], [3, 4], [6]]
    assert [i.status for i in items] == ["routed"] * 3
    # each letter was read, routed by its content, and keeps the batch's receipt date
    assert "Wohngeld" in items[0].text and items[0].queue == "wohngeld"
    assert "Widerspruch" in items[1].text and items[1].intent == "widerspruch"
    assert "Özdemir" in items[2].text
    assert all(i.received_at == STAMP for i in items)
    with session_scope(get_settings()) as session:
        from worker.batches import overview

        view = overview(session, batch.id)
        assert [x["queue"] for x in view["letters"]][0] == "wohngeld"
        assert [p["letter"] for p in view["pages"]] == [1, None, 2, 2, None, 3]
        batch_row = session.get(Item, batch_item)
        assert batch_row.status == "done"
        # the original is kept unchanged; each letter has its pages as a searchable PDF
        original = session.scalars(
            select(Document).where(Document.item_id == batch_item, Document.role == "original")
        ).one()
        letter_doc = session.scalars(
            select(Document).where(Document.item_id == items[1].id, Document.role == "original")
        ).one()
        assert letter_doc.parent_id == original.id
        pdf = PdfReader(io.BytesIO(blob_store(get_settings()).get(letter_doc.sha256)))
        assert len(pdf.pages) == 2
        assert "Widerspruch" in pdf.pages[0].extract_text()


def test_moving_a_boundary_by_hand_replaces_only_the_changed_letters(settings, pipeline):
    from worker.batches import move_letter_start, set_receipt_date

    # Given a batch where the automatic split put page 4 into the wrong letter
    pages = _pages(letters.separator_page)
    batch_item = _batch(letters.image_pdf(pages), "stapel.pdf")
    pipeline.drain()
    batch, before = _letters(batch_item)
    # When staff move the start of the third letter back to page 4
    created = move_letter_start(batch.id, 2, 4, "staff:poststelle", get_settings())
    pipeline.drain()
    # Then letter 1 is untouched, letters 2 and 3 are new items, the old ones closed with a note
    batch, after = _letters(batch_item)
    assert [x["pages"] for x in batch.letters] == [[1], [3], [4, 6]]
    assert after[0].id == before[0].id
    assert {after[1].id, after[2].id} == set(created)
    assert after[2].status == "routed" and after[2].received_at == STAMP
    with session_scope(get_settings()) as session:
        for old in before[1:]:
            row = session.get(Item, old.id)
            assert row.status == "done" and "neu aufgeteilt" in row.status_reason
    # And cutting the whole batch anew brings back the automatic letters (separators stay out)
    from worker.batches import set_letter_starts

    set_letter_starts(batch.id, [1, 3, 6], "staff:poststelle", get_settings(), drop=[2, 5])
    pipeline.drain()
    batch, after = _letters(batch_item)
    assert [x["pages"] for x in batch.letters] == [[1], [3, 4], [6]]
    assert after[0].id == before[0].id and after[1].status == "routed"
    # And a corrected Eingangsstempel reaches every current letter, with an event
    new_stamp = datetime(2026, 11, 17, 8, 0, tzinfo=UTC)
    set_receipt_date(batch.id, new_stamp, "staff:poststelle", get_settings())
    batch, current = _letters(batch_item)
    assert all(i.received_at == new_stamp for i in current)
    with session_scope(get_settings()) as session:
        kinds = session.scalars(select(Event.kind).where(Event.item_id == current[0].id)).all()
        assert "receipt_date" in kinds


def test_folder_of_page_images_is_one_batch(settings, pipeline):
    images = [letters.encoded(p, "PNG") for p in _pages(letters.separator_page)[:3]]
    batch_item = _batch(images_to_pdf(images), "mappe.pdf")
    pipeline.drain()
    batch, items = _letters(batch_item)
    assert [x["pages"] for x in batch.letters] == [[1], [3]]
    assert "Wohngeld" in items[0].text


def test_single_scanned_letter_gets_a_searchable_pdf_and_is_routed(settings, pipeline):
    tiff = letters.tiff([letters.rotated(letters.render_page(letters.WOHNGELD), 90)])
    item_id, _ = accept_upload(Upload(content=tiff, filename="brief.tif", source="upload:test", actor="test"), get_settings())
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "routed" and item.queue == "wohngeld"
        derived = session.scalars(
            select(Document).where(Document.item_id == item_id, Document.role == "derived")
        ).one()
        assert "Wohngeld" in PdfReader(io.BytesIO(blob_store(get_settings()).get(derived.sha256))).pages[0].extract_text()



NO_WRITER = [  # names a person, but not who writes
    "An die Stadtverwaltung, Wohngeldstelle",
    "",
    "Betreff: Antrag auf Wohngeld",
    "",
    "Sehr geehrte Damen und Herren,",
    "",
    "mein Vermieter Herr Peter Brandt hat die Miete erhöht.",
    "Ich beantrage deshalb Wohngeld und lege den Mietvertrag bei.",
]


def test_a_scanned_letter_gets_its_writer_as_sender_and_no_guessed_one(settings, pipeline):
    # Given a batch of a signed letter and one that names only the landlord
    pages = [letters.render_page(letters.WOHNGELD), letters.separator_page(), letters.render_page(NO_WRITER)]
    batch_item = _batch(letters.image_pdf(pages), "stapel-absender.pdf")
    pipeline.drain()
    _, (signed, unsigned) = _letters(batch_item)
    # Then the signed letter has its writer as sender, as the inbox shows it
    assert (signed.status, signed.sender_name) == ("routed", "Erika Müßig")
    assert "Peter Brandt" in unsigned.facts.get("name", []) and unsigned.status == "routed"
    # and the other one none: the landlord is no sender
    assert unsigned.sender_name is None
    create_users()
    assert "Erika Müßig" in client_for("es").get("/inbox").text


@pytest.mark.parametrize(("trusted", "sender"), [(False, "Erika Müßig"), (True, None)])
def test_a_fax_gets_its_writer_as_sender_unless_its_channel_vouches_for_who_writes(settings, pipeline,
                                                                                   trusted, sender):
    from connectors.upload import Upload, accept_upload
    from store.catalogue import change_channel, forget

    # Given a Kommune whose fax server delivers on a channel of its own catalogue
    with session_scope(get_settings()) as session:
        change_channel(session, "fax", {"label": "Fax", "symbol": "📠", "trusted": trusted, "active": True},
                       "web:chef", settings=get_settings())
    forget()
    # When a signed letter arrives there as a scan (no name, no address from the channel)
    item_id, _ = accept_upload(Upload(content=letters.image_pdf([letters.render_page(letters.WOHNGELD)]),
                                      filename="fax.pdf", source="scan:faxserver", actor="test", external_id="fax.pdf",
                                      received_at=STAMP, channel="fax"), get_settings())
    pipeline.drain()
    # Then its writer is its sender, as for post; a channel that vouches for who writes gives none
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert (item.channel, item.status, item.sender_name) == ("fax", "routed", sender)


def test_unreadable_batch_is_parked_with_its_reason(settings, pipeline):
    item_id = _batch(b"%PDF-1.7\nkaputt", "kaputt.pdf")
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "needs_attention"
        assert "beschädigt" in item.status_reason


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_cli_ingest_batch_of_a_folder_of_page_images(eingang, tmp_path):
    # Given a folder of scanned page images: two letters with a separator sheet between them
    folder = tmp_path / "stapel"
    folder.mkdir()
    pages = [letters.render_page(letters.WOHNGELD), letters.separator_page(),
             letters.render_page(letters.WIDERSPRUCH)]
    for n, page in enumerate(pages):
        (folder / f"seite-{n:02d}.jpg").write_bytes(letters.encoded(page, "JPEG"))
    # When it is ingested as one batch with its Eingangsstempel
    eingang.run("ingest", "--batch", "--received", "2026-11-18", str(folder), timeout=300)
    # Then the batch item is done and its two letters are routed with the stamp date
    # (the batch's own item comes first; its letters follow in page order, named by their
    # OCR'd subject line, so the id tells them apart, not the subject)
    batch_item, *letters_ = sorted(eingang.items(), key=lambda i: i["id"])
    batch = [batch_item]
    assert [i["status"] for i in batch] == ["done"]
    assert [i["status"] for i in letters_] == ["routed", "routed"]
    assert letters_[0]["queue"] == "wohngeld"
    assert all(i["received_at"].startswith("2026-11-18") for i in letters_)
    # And the mailroom can look at it and re-cut it from the shell
    assert "2 Briefe" in eingang.run("stapel", "list").stdout
    assert "Code TRENNBLATT" in eingang.run("stapel", "show", "1").stdout
    eingang.run("stapel", "move", "1", "2", "2")  # the separator sheet belongs to letter 2 now
    eingang.run("stapel", "stamp", "1", "2026-11-17", "--grund", "Stempel vom Montag nachgetragen")
    shown = eingang.run("stapel", "show", "1").stdout
    assert "Seiten [2, 3]" in shown
    # Cut before a page, join two letters, turn a page: what the clicks on the batch page do
    assert "Brief vor Seite 3 getrennt" in eingang.run("stapel", "cut", "1", "3").stdout
    assert "Seiten [3]" in eingang.run("stapel", "show", "1").stdout
    eingang.run("stapel", "join", "1", "2")
    assert "Seiten [2, 3]" in eingang.run("stapel", "show", "1").stdout
    assert "Seite 3 um 180° gedreht" in eingang.run("stapel", "turn", "1", "3", "180", timeout=300).stdout
    refused = eingang.run("stapel", "join", "1", "2", check=False)
    assert refused.returncode != 0 and "Brief 2 hat keinen folgenden Brief" in refused.stderr
    current = [i for i in eingang.items() if i["id"] != batch_item["id"] and i["status"] == "routed"]
    assert len(current) == 2 and all(i["received_at"].startswith("2026-11-17") for i in current)


def test_scanned_attachment_of_an_email_goes_through_the_same_ocr(settings, pipeline):
    from tests.mails import citizen_mail

    # Given an email whose only content is a scanned letter (image-only PDF) as attachment
    mail = citizen_mail("Unterlagen", "Anbei mein Schreiben.")
    mail.add_attachment(letters.image_pdf([letters.render_page(letters.WIDERSPRUCH)]),
                        maintype="application", subtype="pdf", filename="scan.pdf")
    item_id, _ = accept_upload(Upload(content=mail.as_bytes(), filename="mail.eml",
                                      source="upload:test", actor="test"), get_settings())
    pipeline.drain()
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        # Then the attachment's OCR text is part of the item and a searchable copy sits beside it
        assert "Widerspruch" in item.full_text and "Grundsicherung" in item.full_text
        docs = {d.role: d for d in item.documents}
        assert docs["attachment"].ocr_confidence and docs["attachment"].ocr_confidence > 80
        assert docs["derived"].parent_id == docs["attachment"].id
