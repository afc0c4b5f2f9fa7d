"""The public form for citizens (issue #14): the guided answers are kept on the item and
used for routing, an emergency gets a phone number at once, a file we cannot read is refused
in German, and the pages BITV 2.0 and the DSGVO ask for exist."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.settings import get_settings
from tests.web import client_for, create_users, csrf_of

ANSWERS = {"who": "familie", "age": "41", "work": "ja", "topic": "lebensunterhalt", "postcode": "26125",
           "emergency": "ja"}
TEXT = ("Die EWE hat mir die Stromsperre angekündigt und der Vermieter hat die Räumungsklage "
        "eingereicht. Ich weiß nicht mehr weiter.")


@pytest.fixture
def web(settings):  # type: ignore[no-untyped-def]
    create_users()
    return settings


def test_an_emergency_gets_a_phone_number_and_the_answers_route_the_request(web):
    from store.db import session_scope
    from store.models import Item
    from worker import steps

    client = client_for()
    step2 = client.get("/anliegen/weiter", params=ANSWERS)
    assert step2.status_code == 200
    assert "Notlage: Rufen Sie uns sofort an" in step2.text and "0441 235-0" in step2.text
    assert "Jobcenter" in step2.text
    token = csrf_of(step2.text)
    docx = b"PK\x03\x04" + b"\x00" * 200  # a Word file: a zip archive
    refused = client.post("/anliegen", data={**ANSWERS, "text": TEXT, "csrf_token": token},
                          files={"files": ("Mietvertrag.docx", docx, "application/octet-stream")})
    assert refused.status_code == 422
    assert "„Mietvertrag.docx“ können wir nicht lesen" in refused.text and "als PDF" in refused.text
    sent = client.post("/anliegen", data={**ANSWERS, "text": TEXT, "name": "Jana Köhler",
                                           "csrf_token": token})
    assert sent.status_code == 201
    with session_scope(get_settings()) as session:
        item_id = session.scalar(select(Item.id).where(Item.channel == "webform"))
    steps.extract(item_id, settings=get_settings())
    steps.classify(item_id, settings=get_settings())
    steps.route_item(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        answers = item.contact["answers"]
        assert answers["age"] == 41 and answers["work"] == "ja" and answers["emergency"] == "ja"
        # The classifier alone is unsure (Clearing); the answers said Jobcenter, as the page did.
        assert item.queue == "jobcenter" and item.urgent
        assert any("Online-Formular" in line for line in item.decision["explanation"])
    page = client_for("es").get(f"/items/{item_id}").text
    assert "Angaben im Online-Formular" in page and "Notlage angegeben" in page
    assert "Kann mindestens 3 Stunden täglich arbeiten" in page


@pytest.mark.parametrize("path, heading", [
    ("/impressum", "Impressum"), ("/datenschutz", "Datenschutzhinweise"),
    ("/barrierefreiheit", "Erklärung zur Barrierefreiheit"), ("/leichte-sprache", "Leichter Sprache"),
])
def test_the_pages_bitv_and_dsgvo_ask_for_are_linked_from_every_public_page(web, path, heading):
    client = client_for()
    page = client.get(path)
    assert page.status_code == 200 and heading in page.text and "Stadt Oldenburg (Oldb)" in page.text
    assert f'href="{path}"' in client.get("/anliegen").text
