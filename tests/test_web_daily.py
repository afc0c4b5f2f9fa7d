"""Issue #14, the pages staff use every day (TestClient on the embedded database): German
labels, dates and amounts on the item page, the computed Widerspruch deadline in the inbox,
German error pages and history texts."""

from __future__ import annotations

import pytest

from store.blobs import blob_store
from store.settings import get_settings
from tests.web import add_item, client_for, create_users


@pytest.fixture
def web(settings):  # type: ignore[no-untyped-def]
    create_users()
    return settings


def _set(item_id: int, **values) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Item

    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        for key, value in values.items():
            setattr(item, key, value)


def test_item_page_shows_facts_and_urgent_reasons_in_german_not_as_python_data(web):
    item = add_item("Widerspruch", "Widerspruch gegen den Bescheid vom 03.11.2026", "jobcenter", urgent=True)
    _set(item, urgent_reasons=[{"kind": "frist", "label": "Frist: Widerspruch (Frist läuft)",
                                "trigger": "Widerspruch", "deadline": "2026-12-07"}],
         facts={"bescheid_date": ["2026-11-03"], "amount": [1240.0],
                "widerspruch_deadline": [{"bescheid_datum": "2026-11-03", "bekanntgabe": "2026-11-06",
                                          "frist_bis": "2026-12-07"}]})
    page = client_for("es").get(f"/items/{item}").text
    assert "{'" not in page and "bescheid_datum" not in page and "2026-11-03" not in page
    assert "1240.0" not in page and "1.240,00 €" in page
    assert "Frist: Widerspruch (Frist läuft) – „Widerspruch“, Frist bis 07.12.2026" in page
    assert "bis 07.12.2026 (Bescheid vom 03.11.2026, bekannt gegeben am 06.11.2026)" in page
    assert "Widerspruchsfrist" in page


def test_a_widerspruch_gets_its_computed_deadline_shown_in_the_inbox(web):
    from datetime import UTC, datetime

    from store.db import session_scope
    from store.enums import Channel
    from store.intake import Incoming, store_incoming
    from tests.mails import citizen_mail
    from worker import steps

    mail = citizen_mail("Widerspruch", "Hiermit lege ich Widerspruch gegen den Bescheid vom 03.11.2026 "
                        "über die Kosten der Unterkunft ein. Kundennummer 123D456789.\nPeter Lange, 26129 Oldenburg")
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(channel=Channel.EMAIL, content=mail.as_bytes(),
                                                   media_type="message/rfc822",
                                                   received_at=datetime(2026, 11, 20, 9, 30, tzinfo=UTC)), blob_store(get_settings()))
        item_id = item.id
    steps.extract(item_id, settings=get_settings())
    steps.classify(item_id, settings=get_settings())
    steps.route_item(item_id, settings=get_settings())
    # Bescheid of 03.11., posted: known on 06.11., one month later 06.12. is a Sunday → 07.12.
    inbox = client_for("es").get("/inbox").text
    row = inbox[inbox.index(f'href="/items/{item_id}"'):]
    row = row[:row.index("</tr>")]
    assert "Frist 07.12.2026" in row
    assert "Frist bis 07.12.2026" in client_for("es").get(f"/items/{item_id}").text


HTML = {"accept": "text/html,application/xhtml+xml"}


def test_errors_are_german_pages_for_a_browser_and_json_for_the_api(web):
    client = client_for("es")
    resp = client.get("/items/999999", headers=HTML)
    assert resp.status_code == 404 and resp.headers["content-type"].startswith("text/html")
    assert "Vorgang nicht gefunden" in resp.text and '{"detail"' not in resp.text
    assert "Zum Posteingang" in resp.text
    resp = client.get("/gibt-es-nicht", headers=HTML)
    assert resp.status_code == 404 and "Die Seite gibt es nicht" in resp.text and "Not Found" not in resp.text
    resp = client.get("/items/abc", headers=HTML)
    assert resp.status_code == 422 and "Ungültige Eingabe" in resp.text
    api = client.get("/api/v1/items/999999", headers=HTML)
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_history_speaks_german_and_an_action_adds_no_viewed_line(web):
    from tests.web import post_form

    item = add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld")
    client = client_for("es")
    page = f"/items/{item}"
    resp = post_form(client, page, f"{page}/notiz", {"text": "Rückruf vereinbart"})
    assert resp.status_code == 303
    history = client.get(resp.headers["location"]).text
    history = history[history.index('id="h-history"'):]
    history = history[:history.index("</section>")]
    assert history.count("Vorgang angesehen") == 1  # the first look only, not after the note
    for code in (">received<", ">viewed<", ">note<"):
        assert code not in history
    assert ">Eingang<" in history and ">Notiz<" in history


def test_a_phone_note_keeps_the_callers_full_name_as_sender(web):
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Item
    from tests.web import post_form
    from worker import steps

    client = client_for("es")
    resp = post_form(client, "/telefon", "/telefon", {
        "caller": "Frau Gerda Lübben", "phone": "0441 123456", "text": "Fragt nach dem Stand ihres Wohngeldantrags.",
        "called_at": ""})
    assert resp.status_code == 303
    with session_scope(get_settings()) as session:
        item_id = session.scalar(select(Item.id).where(Item.channel == "phone"))
    steps.extract(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.sender_name == "Frau Gerda Lübben"
        assert item.sender != "Frau"
    assert "Frau Gerda Lübben" in client.get("/inbox").text


def test_a_free_reply_has_one_greeting_one_closing_the_senders_unit_and_a_preview(web):
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import OutboxMessage
    from tests.web import csrf_of, post_form

    item = add_item("Frage zum Bescheid", "Warum wurde weniger gezahlt?", "jobcenter")
    _set(item, sender_name="Peter Lange")
    client = client_for("es")  # the Eingangsservice answers for the Jobcenter
    text = ("Sehr geehrter Herr Lange,\n\nwir prüfen die Zahlung und melden uns bis Freitag.\n\n"
            "Mit freundlichen Grüßen\nMara Eingang")
    preview = post_form(client, f"/items/{item}", f"/items/{item}/antworten/vorschau",
                        {"template": "antwort", "text": text})
    assert preview.status_code == 200 and "Vorschau der Antwort" in preview.text
    assert "buerger@example.org" in preview.text
    with session_scope(get_settings()) as session:  # nothing sent by a preview
        assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.item_id == item)) is None
    resp = client.post(f"/items/{item}/antworten", data={
        "template": "antwort", "text": text, "csrf_token": csrf_of(preview.text)})
    assert resp.status_code == 303
    with session_scope(get_settings()) as session:
        body = session.scalar(select(OutboxMessage).where(OutboxMessage.item_id == item)).payload["body"]
    assert body.count("Sehr geehrter Herr Lange,") == 1 and "Guten Tag" not in body
    assert body.count("Mit freundlichen Grüßen") == 1
    assert body.rstrip().endswith("Test es\nEingangsservice, Stadt Oldenburg (Oldb)")
    assert "Jobcenter" not in body
    # The reply is shown in the item, as sent, with its state.
    page = client.get(f"/items/{item}").text
    assert "wir prüfen die Zahlung und melden uns bis Freitag." in page and "Gesendet" in page
    # A Jobcenter member signs for the Jobcenter.
    jc = client_for("jc")
    preview = post_form(jc, f"/items/{item}", f"/items/{item}/antworten/vorschau",
                        {"template": "antwort", "text": "Die Zahlung ist angewiesen."})
    assert "Guten Tag Peter Lange," in preview.text and "Jobcenter, Stadt Oldenburg (Oldb)" in preview.text


def test_staff_change_their_own_password_in_the_browser(web):
    from tests.web import PASSWORD, login, post_form

    client = client_for("es")
    other = client_for("es")  # another session of the same person
    page = client.get("/konto")
    assert page.status_code == 200 and "Passwort ändern" in page.text
    wrong = post_form(client, "/konto", "/konto/passwort",
                      {"current": "falsch-falsch", "new": "Neues-Passwort-123", "repeat": "Neues-Passwort-123"})
    assert wrong.status_code == 422 and "aktuelle Passwort ist falsch" in wrong.text
    differ = post_form(client, "/konto", "/konto/passwort",
                       {"current": PASSWORD, "new": "Neues-Passwort-123", "repeat": "Neues-Passwort-124"})
    assert differ.status_code == 422 and "stimmen nicht überein" in differ.text
    done = post_form(client, "/konto", "/konto/passwort",
                     {"current": PASSWORD, "new": "Neues-Passwort-123", "repeat": "Neues-Passwort-123"})
    assert done.status_code == 303
    assert "Ihr Passwort ist geändert" in client.get(done.headers["location"]).text
    assert client.get("/inbox").status_code == 200  # this session goes on
    assert other.get("/inbox").status_code == 303  # the other one is logged out
    fresh = client_for()
    login(fresh, "es", "Neues-Passwort-123")


def test_next_item_goes_on_in_the_inbox_order(web):
    first = add_item("Stromsperre droht", "Notlage", "jobcenter", urgent=True, minutes_ago=50)
    second = add_item("Neuer Antrag", "Text", "wohngeld", minutes_ago=5)
    third = add_item("Älterer Antrag", "Text", "wohngeld", minutes_ago=30)
    done = add_item("Erledigt", "Text", "wohngeld", minutes_ago=10, status="done")
    client = client_for("es")
    page = client.get(f"/items/{first}").text
    assert f'href="/items/{first}/naechster"' in page and "Tastenkürzel" in page
    assert client.get(f"/items/{first}/naechster").headers["location"] == f"/items/{second}"
    assert client.get(f"/items/{second}/naechster").headers["location"] == f"/items/{third}"  # not the done one
    last = client.get(f"/items/{third}/naechster")
    assert last.headers["location"].startswith("/inbox?") and done
