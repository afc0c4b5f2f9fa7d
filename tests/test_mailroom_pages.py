"""The batch's pages as paperless users expect them (issue #14): thumbnails rendered once and
served only to those who may read the letters, a cut and a merge by a click that recreate the
letters exactly as the typed re-split does, a page turned and read again while the original
scan stays unchanged, and a crash in the middle of an edit that leaves the batch as it was."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from store.settings import get_settings
from tests import letters
from tests.web import client_for, create_users, csrf_of

pytestmark = pytest.mark.slow

SECOND_PAGE = ["Seite 2 meines Antrags auf Wohngeld", "", "Anlage: Gehaltsbescheinigungen",
               "Anlage: Mietvertrag", "", "Erika Müßig"]


def _state(batch_id: int):  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Batch, Event, Item

    with session_scope(get_settings()) as session:
        batch = session.get(Batch, batch_id)
        return {"letters": [x["pages"] for x in batch.letters], "ids": [x["item_id"] for x in batch.letters],
                "pages": batch.pages, "searchable": batch.searchable_sha256,
                "items": session.scalar(select(func.count()).select_from(Item)),
                "events": session.scalar(select(func.count()).select_from(Event))}


@pytest.fixture
def batch(settings, pipeline):  # type: ignore[no-untyped-def]
    """Two letters (the first two pages long) with a separator sheet between them."""
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch

    create_users()
    content = letters.image_pdf([letters.render_page(letters.WOHNGELD), letters.render_page(SECOND_PAGE),
                                 letters.separator_page(), letters.render_page(letters.WIDERSPRUCH)])
    item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                      actor="test", received_at=datetime(2026, 11, 18, 8, 0, tzinfo=UTC),
                                      batch=True), get_settings())
    pipeline.drain()
    with session_scope(get_settings()) as session:
        batch_id = session.scalar(select(Batch.id).where(Batch.item_id == item_id))
    assert _state(batch_id)["letters"] == [[1, 2], [4]]
    return batch_id, content


def test_thumbnails_are_rendered_once_and_only_shown_to_who_may_read_the_letters(batch):
    batch_id, _content = batch
    state = _state(batch_id)
    assert all(p.get("thumb") for p in state["pages"])  # rendered when the batch was split
    post = client_for("post")
    page = post.get(f"/post/stapel/{batch_id}")
    assert f'src="/post/stapel/{batch_id}/seite/1.jpg' in page.text
    image = post.get(f"/post/stapel/{batch_id}/seite/1.jpg")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content[:3] == b"\xff\xd8\xff"
    assert image.headers["cache-control"] == "private, no-cache" and image.headers["etag"]
    again = post.get(f"/post/stapel/{batch_id}/seite/1.jpg", headers={"If-None-Match": image.headers["etag"]})
    assert again.status_code == 304 and not again.content
    # An admin without queues manages batches but sees no page; a Fachamt user no mailroom at all
    chef = client_for("chef")
    assert "/seite/1.jpg" not in chef.get(f"/post/stapel/{batch_id}").text
    assert chef.get(f"/post/stapel/{batch_id}/seite/1.jpg").status_code == 404
    assert client_for("sozial").get(f"/post/stapel/{batch_id}/seite/1.jpg").status_code in (303, 403, 404)
    assert client_for().get(f"/post/stapel/{batch_id}/seite/1.jpg").status_code in (303, 401, 403)
    # A batch whose thumbnails are missing (split before they existed) gets them at the first look
    from store.db import session_scope
    from store.models import Batch

    with session_scope(get_settings()) as session:
        row = session.get(Batch, batch_id)
        row.pages = [{k: v for k, v in p.items() if k != "thumb"} for p in row.pages]
    assert post.get(f"/post/stapel/{batch_id}").status_code == 200
    assert [p["thumb"] for p in _state(batch_id)["pages"]] == [p["thumb"] for p in state["pages"]]


def test_a_click_split_and_a_merge_recreate_the_letters_as_the_typed_resplit_does(batch):
    from store.db import session_scope
    from store.models import Event

    batch_id, _content = batch
    client = client_for("post")
    url = f"/post/stapel/{batch_id}"
    page = client.get(url).text
    token = csrf_of(page)
    assert 'aria-label="Brief 1 vor Seite 2 trennen"' in page and "Briefe 1 und 2 zusammenführen" in page
    # When the Poststelle clicks the cut marker between pages 1 and 2
    cut = client.post(f"{url}/trennen", data={"page": "2", "csrf_token": token}, follow_redirects=True)
    assert "Brief vor Seite 2 getrennt; 2 Briefe neu angelegt." in cut.text
    clicked = _state(batch_id)
    assert clicked["letters"] == [[1], [2], [4]]
    assert clicked["ids"][2] == _state(batch_id)["ids"][2]  # the untouched letter keeps its item
    # Then it is what typing "1, 2, 4" makes: the typed re-split finds nothing to change
    typed = client.post(f"{url}/aufteilen", data={"starts": "1, 2, 4", "csrf_token": token}, follow_redirects=True)
    assert "Die Aufteilung ist unverändert" in typed.text
    # When letters 1 and 2 are merged again, the first letter is whole again; the separator stays out
    merged = client.post(f"{url}/zusammenfuehren", data={"letter": "1", "csrf_token": token}, follow_redirects=True)
    assert "Briefe 1 und 2 zusammengeführt; 1 Brief neu angelegt." in merged.text
    assert _state(batch_id)["letters"] == [[1, 2], [4]]
    client.post(f"{url}/zusammenfuehren", data={"letter": "1", "csrf_token": token})
    assert _state(batch_id)["letters"] == [[1, 2, 4]]
    # Impossible clicks are refused in German
    refused = client.post(f"{url}/zusammenfuehren", data={"letter": "1", "csrf_token": token}, follow_redirects=True)
    assert "Brief 1 hat keinen folgenden Brief" in refused.text
    refused = client.post(f"{url}/trennen", data={"page": "3", "csrf_token": token}, follow_redirects=True)
    assert "Seite 3 gehört zu keinem Brief." in refused.text
    # Without the form's token nothing happens
    assert client.post(f"{url}/trennen", data={"page": "2"}).status_code == 403
    # Every edit is in the batch's history, with what was clicked
    with session_scope(get_settings()) as session:
        notes = session.scalars(select(Event.message).where(Event.kind == "resplit")).all()
    assert any("Brief vor Seite 2 getrennt" in n for n in notes)
    assert any("Briefe 1 und 2 zusammengeführt" in n for n in notes)


def test_a_turned_page_is_read_again_and_the_scan_stays_unchanged(batch):
    from store.blobs import blob_store
    from store.db import session_scope
    from store.models import Batch, Document, Event, Item

    batch_id, content = batch
    client = client_for("post")
    url = f"/post/stapel/{batch_id}"
    token = csrf_of(client.get(url).text)
    before = _state(batch_id)
    letter_id = before["ids"][0]
    # When page 2 is turned a quarter to the right, it reads sideways: landscape, little text
    turned = client.post(f"{url}/drehen", data={"page": "2", "degrees": "90", "csrf_token": token},
                         follow_redirects=True)
    assert "Seite 2 um 90° gedreht und neu gelesen." in turned.text
    after = _state(batch_id)
    page2 = after["pages"][1]
    assert page2["turned"] == 90 and page2["thumb"] != before["pages"][1]["thumb"]
    assert after["searchable"] != before["searchable"] and after["ids"] == before["ids"]
    with session_scope(get_settings()) as session:
        doc = session.scalars(select(Document).where(Document.item_id == letter_id,
                                                     Document.role == "original")).one()
        box = PdfReader(io.BytesIO(blob_store(get_settings()).get(doc.sha256))).pages[1].mediabox
        assert box.width > box.height
    # When it is turned back from the letter's own page, the letter reads as before, and the
    # scan was never touched
    letter_page = client.get(f"/items/{letter_id}").text
    assert "Seiten im Poststapel" in letter_page and 'name="back" value="brief"' in letter_page
    back_to = client.post(f"{url}/drehen", data={"page": "2", "degrees": "270", "back": "brief", "csrf_token": token})
    assert back_to.status_code == 303 and back_to.headers["location"].startswith(f"/items/{letter_id}?")
    back = _state(batch_id)
    assert back["pages"][1]["turned"] == 0 and "Mietvertrag" in back["pages"][1]["text"]
    with session_scope(get_settings()) as session:
        letter = session.get(Item, letter_id)
        assert "Mietvertrag" in letter.text and letter.status == "routed"
        batch_row = session.get(Batch, batch_id)
        original = session.scalars(select(Document).where(Document.item_id == batch_row.item_id,
                                                          Document.role == "original")).one()
        assert blob_store(get_settings()).get(original.sha256) == content
        history = session.scalars(select(Event.message).where(Event.item_id == letter_id,
                                                              Event.kind == "page_rotated")).all()
        assert len(history) == 2 and "Seite 2 um 90° gedreht" in history[0]
    bad = client.post(f"{url}/drehen", data={"page": "2", "degrees": "45", "csrf_token": token}, follow_redirects=True)
    assert "nur um 90, 180 oder 270 Grad" in bad.text


def test_a_crash_during_a_split_or_a_turn_leaves_the_batch_as_it_was(batch, settings, monkeypatch):
    from worker import batch_pages, batches

    batch_id, _content = batch
    before = _state(batch_id)

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("Stromausfall")

    # A crash while the new letters are written: nothing of the cut stays
    monkeypatch.setattr(batches, "_create_letter", crash)
    with pytest.raises(RuntimeError):
        batch_pages.split_at(batch_id, 2, "staff:post", settings)
    assert _state(batch_id) == before
    monkeypatch.undo()
    # A crash after the page was turned but before the letter was renewed: nothing of the turn stays
    monkeypatch.setattr(batch_pages, "_renew_letter", crash)
    with pytest.raises(RuntimeError):
        batch_pages.rotate_page(batch_id, 1, 180, "staff:post", settings)
    assert _state(batch_id) == before


def test_the_batch_page_shows_how_many_pages_ocr_has_read_while_it_reads(settings, pipeline, monkeypatch):
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch
    from worker import batches

    create_users()
    client = client_for("post")
    seen: list[tuple[int, int, str, str, str]] = []
    writer = batches._progress_writer
    monkeypatch.setattr(batches, "PROGRESS_SECONDS", 0.0)

    def watching(batch_id: int, settings):  # type: ignore[no-untyped-def]
        write = writer(batch_id, settings)

        def both(done: int, total: int) -> None:
            write(done, total)  # what the worker stores, then what staff would see now
            seen.append((done, total, client.get(f"/post/stapel/{batch_id}/stand").text,
                         client.get(f"/post/stapel/{batch_id}").text, client.get("/post").text))
        return both

    monkeypatch.setattr(batches, "_progress_writer", watching)
    content = letters.image_pdf([letters.render_page(letters.WOHNGELD), letters.separator_page(),
                                 letters.render_page(letters.WIDERSPRUCH)])
    item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                      actor="test", batch=True), get_settings())
    with session_scope(get_settings()) as session:
        batch_id = session.scalar(select(Batch.id).where(Batch.item_id == item_id))
    waiting = client.get(f"/post/stapel/{batch_id}").text  # the worker threads may have begun already
    assert 'id="progress"' in waiting
    assert any(t in waiting for t in ("Der Stapel wartet auf die Texterkennung.", "noch keine der 3 Seiten",
                                      "von 3 gelesen"))
    # polled by a static script (htmx), with a refresh for browsers without JavaScript; no inline script
    assert f'hx-get="/post/stapel/{batch_id}/stand"' in waiting
    assert '<noscript><meta http-equiv="refresh"' in waiting and "<script>" not in waiting
    pipeline.drain()
    assert [(done, total) for done, total, *_ in seen][-3:] == [(1, 3), (2, 3), (3, 3)]
    fragment, page, overview = seen[-2][2:]
    assert "Seite 2 von 3 gelesen" in fragment and 'value="2"' in fragment
    assert "Seite 2 von 3 gelesen" in page and "Seite 2 von 3 gelesen" in overview
    assert 'id="batch-rows" hx-get="/post"' in overview  # the list refreshes while a batch is read
    # Once split, the poll tells the page to load itself anew, and the JSON says so too
    done = client.get(f"/post/stapel/{batch_id}/stand")
    assert done.status_code == 204 and done.headers["HX-Refresh"] == "true"
    state = client.get(f"/post/stapel/{batch_id}/stand.json").json()
    assert state["status"] == "split" and state["pages_read"] == 3 and state["letters"] == 2
    assert 'hx-get="/post"' not in client.get("/post").text


def test_senders_are_told_apart_by_letterhead_closing_and_identifiers():
    from tests.test_mailroom_daily import GRUNDSICHERUNG
    from worker.letter_senders import several_senders

    text = "\n".join
    # Given two letters without a separator sheet between them: the second sender starts on page 2
    found = several_senders([(1, text(GRUNDSICHERUNG)), (2, text(letters.WIDERSPRUCH))])
    assert found == {"page": 2, "before": "Helga Schröder, Am Schlossplatz 3, 26122 Oldenburg",
                     "after": "Jürgen Weiß, Hauptstraße 7, 26121 Oldenburg"}
    # A second page of the same letter, and a new address mentioned in the body, are no new sender
    assert several_senders([(1, text(letters.WOHNGELD)), (2, text(SECOND_PAGE))]) is None
    assert several_senders([(1, text(letters.UMZUG)), (2, "Unsere neue Anschrift: Schlossgasse 21, 26122 Oldenburg")]) is None
    # Two different case numbers of the same kind are two senders; one number on both pages is one
    assert several_senders([(1, "BG-Nummer 26102BG0041877, Antrag"), (2, "BG-Nummer 26102BG0041999")])["page"] == 2
    assert several_senders([(1, "BG-Nummer 26102BG0041877, Antrag"), (2, "zu BG-Nr. 26102BG0041877")]) is None



def test_a_case_number_of_a_kind_the_kommune_adds_tells_two_senders_apart(settings, pipeline):
    from classifier.versions import PACKAGE_DIR
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch
    from tests.test_known_case import SOZIALPASS

    # Given a Kommune whose facts.yaml (its copy in the data directory) adds a Sozialpassnummer
    bundled = (PACKAGE_DIR / "facts.yaml").read_text(encoding="utf-8")
    own = settings.data_dir / "classifier" / "facts.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(bundled.replace("identifiers:\n", "identifiers:" + SOZIALPASS, 1), encoding="utf-8")
    # and a stack without a separator sheet: two pages, each naming only another pass number
    pages = [["Sozialpass SP 204711", "", "Anbei die Kontoauszüge für den Antrag.", "", "Mit freundlichen Grüßen"],
             ["Sozialpass SP 388122", "", "Anbei die Mietbescheinigung für den Antrag.", "", "Mit freundlichen Grüßen"]]
    content = letters.image_pdf([letters.render_page(lines) for lines in pages])
    item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                      actor="test", received_at=datetime(2026, 11, 18, 8, 0, tzinfo=UTC),
                                      batch=True), get_settings())
    # When the worker splits it
    pipeline.drain()
    with session_scope(get_settings()) as session:
        batch = session.scalars(select(Batch).where(Batch.item_id == item_id)).one()
        entries = batch.letters
    # Then the Poststelle is told that the second page starts another sender, by the Kommune's own number
    assert [x["pages"] for x in entries] == [[1, 2]]
    assert entries[0]["senders"] == {"page": 2, "before": "Sozialpassnummer SP204711",
                                     "after": "Sozialpassnummer SP388122"}


def test_the_kommunes_facts_yaml_is_read_again_when_it_changes(tmp_path):
    import os

    from classifier.facts import default_config, kommune_config
    from classifier.versions import PACKAGE_DIR
    from tests.test_known_case import SOZIALPASS
    from worker.letter_senders import several_senders

    two_passes = [(1, "Sozialpass SP 204711, Antrag"), (2, "Sozialpass SP 388122")]
    # Without a copy of its own the Kommune has the bundled formats, which know no Sozialpass
    assert kommune_config(tmp_path) is default_config()
    assert several_senders(two_passes, kommune_config(tmp_path)) is None
    # Once the admin places one that adds it, the next look finds two senders
    own = tmp_path / "classifier" / "facts.yaml"
    own.parent.mkdir(parents=True)
    bundled = (PACKAGE_DIR / "facts.yaml").read_text(encoding="utf-8")
    own.write_text(bundled.replace("identifiers:\n", "identifiers:" + SOZIALPASS, 1), encoding="utf-8")
    assert several_senders(two_passes, kommune_config(tmp_path))["page"] == 2
    # A broken edit keeps the service running on the bundled formats
    own.write_text("identifiers: [kaputt", encoding="utf-8")
    os.utime(own, ns=(own.stat().st_atime_ns, own.stat().st_mtime_ns + 1_000_000))
    assert kommune_config(tmp_path) is default_config()


def test_a_letters_sender_is_its_writer_where_the_classifier_found_the_name():
    from classifier.facts import extract_facts
    from worker.letter_senders import writer_found

    def sender(lines: list[str]) -> str | None:
        text = "\n".join(lines)
        return writer_found(text, extract_facts(text).get("name", []))

    # The name under the closing, which the classifier finds, is the sender
    assert sender(letters.WOHNGELD) == "Erika Müßig"
    assert sender(letters.WIDERSPRUCH) == "Jürgen Weiß"
    # Our own address block on top is no sender; the writer's name under the closing is
    assert sender(["Stadt Oldenburg", "Sozialamt", "26105 Oldenburg", "", "Sehr geehrte Damen und Herren,",
                   "ich bitte um einen Termin.", "", "Mit freundlichen Grüßen", "Frau Ilse Krämer"]) == "Ilse Krämer"
    # A name the letter only mentions (the landlord) is not the sender: nothing is guessed
    assert sender(["Sehr geehrte Frau Lange,", "mein Vermieter Herr Peter Brandt hat die Miete erhöht.",
                   "Den Mietvertrag lege ich bei.", "", "Mit freundlichen Grüßen"]) is None
    # Nor is a letterhead name the classifier did not find as a name
    assert writer_found("\n".join(letters.WOHNGELD), []) is None


def test_a_letter_with_two_senders_is_flagged_on_the_batch_and_the_letter_and_split_in_one_click(settings, pipeline):
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch
    from tests.test_mailroom_daily import GRUNDSICHERUNG

    create_users()
    # Given a batch where the separator sheet between two letters was forgotten
    content = letters.image_pdf([letters.render_page(GRUNDSICHERUNG), letters.render_page(letters.WIDERSPRUCH)])
    item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                      actor="test", batch=True), get_settings())
    pipeline.drain()
    with session_scope(get_settings()) as session:
        batch_id = session.scalar(select(Batch.id).where(Batch.item_id == item_id))
    state = _state(batch_id)
    assert state["letters"] == [[1, 2]]
    client = client_for("post")
    url = f"/post/stapel/{batch_id}"
    page = client.get(url).text
    # Then the batch page warns, names both senders and offers the cut before page 2
    assert "Mehrere Absender?" in page and "Ab Seite 2 scheint ein anderer Absender zu schreiben" in page
    assert "„Jürgen Weiß, Hauptstraße 7, 26121 Oldenburg“" in page and "mehrere Absender? ab S. 2" in page
    assert "Vor Seite 2 trennen" in page
    # And so does the letter itself, for whoever may read it; an admin without queues reads no names
    letter = client_for("es").get(f"/items/{state['ids'][0]}").text
    assert "Ab Seite 2 scheint ein anderer Absender zu schreiben" in letter and "Jürgen Weiß" in letter
    assert f'src="/items/{state["ids"][0]}/seiten/2.jpg' in letter
    assert client_for("es").get(f"/items/{state['ids'][0]}/seiten/2.jpg").status_code == 200
    assert client_for("es").get(f"/items/{state['ids'][0]}/seiten/3.jpg").status_code == 404
    chef_view = client_for("chef").get(url).text
    assert "Ab Seite 2 scheint ein anderer Absender" in chef_view and "Jürgen Weiß" not in chef_view
    # When the Poststelle clicks the offered cut, two letters without a warning remain
    client.post(f"{url}/trennen", data={"page": "2", "csrf_token": csrf_of(page)})
    state = _state(batch_id)
    assert state["letters"] == [[1], [2]]
    with session_scope(get_settings()) as session:
        assert all(x.get("senders") is None for x in session.get(Batch, batch_id).letters)
    assert "Mehrere Absender?" not in client.get(url).text


@pytest.mark.postgres
@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)
def test_on_postgresql_each_edit_is_one_transaction_on_the_locked_batch(store_backend, monkeypatch):
    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Batch
    from worker import batch_pages, batches
    from worker.runtime import WorkerRuntime

    runtime = WorkerRuntime(store_backend, threads=2)
    runtime.start(sweep=False)
    try:
        content = letters.image_pdf([letters.render_page(letters.WOHNGELD), letters.render_page(SECOND_PAGE),
                                     letters.separator_page(), letters.render_page(letters.WIDERSPRUCH)])
        item_id, _ = accept_upload(Upload(content=content, filename="stapel.pdf", source="upload:test",
                                          actor="test", batch=True), get_settings())
        runtime.drain()
        with session_scope(get_settings()) as session:
            batch_id = session.scalar(select(Batch.id).where(Batch.item_id == item_id))
        before = _state(batch_id)
        assert before["letters"] == [[1, 2], [4]] and all(p.get("thumb") for p in before["pages"])

        def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
            raise RuntimeError("Stromausfall")

        with monkeypatch.context() as m:
            m.setattr(batches, "_create_letter", crash)
            with pytest.raises(RuntimeError):
                batch_pages.split_at(batch_id, 2, "staff:post", store_backend)
        assert _state(batch_id) == before
        with monkeypatch.context() as m:
            m.setattr(batch_pages, "_renew_letter", crash)
            with pytest.raises(RuntimeError):
                batch_pages.rotate_page(batch_id, 2, 90, "staff:post", store_backend)
        assert _state(batch_id) == before
        # Without the crash both go through, and the lock was released each time
        batch_pages.split_at(batch_id, 2, "staff:post", store_backend)
        assert _state(batch_id)["letters"] == [[1], [2], [4]]
        assert batch_pages.rotate_page(batch_id, 2, 180, "staff:post", store_backend) == _state(batch_id)["ids"][1]
        assert _state(batch_id)["pages"][1]["turned"] == 180
        runtime.drain()
    finally:
        runtime.stop()
