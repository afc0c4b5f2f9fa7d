"""Bad input answers 4xx in German, never 500, and NUL bytes never reach the database
(issue #17, item 14): in mail headers, file names and text, in the web form, in search terms
and in ids too large for the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from store.blobs import blob_store
from store.settings import get_settings
from tests.web import client_for, create_users, csrf_of

NUL_MAIL = (b"From: =?utf-8?q?Maria=00_M=C3=BCller?= <maria@example.org>\r\n"
            b"To: post@stadt-oldenburg.de\r\nSubject: =?utf-8?q?Wohn=00geld?=\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n"
            b"--x\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            b"Ich beantrage Wohngeld.\x00 Mit freundlichen Gr\xc3\xbc\xc3\x9fen\r\n"
            b"--x\r\nContent-Type: text/plain\r\n"
            b"Content-Disposition: attachment; filename*=utf-8''Miet%00vertrag.txt\r\n\r\n"
            b"Miete 450 Euro\x00\r\n--x--\r\n")


@pytest.fixture
def web(store_backend):  # type: ignore[no-untyped-def]
    create_users()
    return store_backend


def test_a_mail_with_nul_bytes_is_read_and_stored(web):
    from store.db import session_scope
    from store.enums import Channel
    from store.intake import Incoming, store_incoming
    from store.models import Item
    from worker import steps

    incoming = Incoming(channel=Channel.EMAIL, content=NUL_MAIL, media_type="message/rfc822",
                        received_at=datetime.now(UTC), sender="maria@example.org", subject="Wohn\x00geld")
    with session_scope(get_settings()) as session:
        item_id = store_incoming(session, incoming, blob_store(get_settings()))[0].id
    steps.extract(item_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status == "extracted", item.status_reason
        assert "Wohngeld" in item.text
        names = [d.filename for d in item.documents]
        stored = [item.text, item.subject or "", *(n or "" for n in names)]
    assert any(n and "vertrag" in n for n in names), names
    if web.sqlalchemy_url.startswith("postgresql"):  # SQLite keeps NUL as it is, harmlessly
        assert not any("\x00" in value for value in stored)


@pytest.mark.parametrize("field", ["name", "identifiers", "phone", "text"])
def test_the_form_cleans_nul_bytes(web, field):
    client = client_for()
    token = csrf_of(client.get("/anliegen/weiter?topic=wohnen&postcode=26123").text)
    data = {"csrf_token": token, "topic": "wohnen", "text": "Ich brauche Hilfe bei der Miete."}
    data[field] = data.get(field, "") + "Mar\x00ia"
    resp = client.post("/anliegen", data=data)
    assert resp.status_code == 201, resp.text[:300]


def test_a_nul_byte_in_the_email_field_is_refused_in_german(web):
    client = client_for()
    token = csrf_of(client.get("/anliegen/weiter?topic=wohnen&postcode=26123").text)
    resp = client.post("/anliegen", data={"csrf_token": token, "topic": "wohnen", "text": "Hilfe",
                                          "email": "maria\x00@example.org"})
    assert resp.status_code == 422 and "E-Mail-Adresse" in resp.text


@pytest.mark.parametrize("path", [
    "/inbox?q=%00", "/inbox?q=a%00b", "/api/v1/items?q=%00",
    "/items/99999999999999999999", "/api/v1/items/99999999999999999999",
    "/items/-99999999999999999999", "/items/99999999999999999999/original",
    "/post/stapel/99999999999999999999",
])
def test_bad_parameters_never_answer_500(web, path):
    client = client_for("es")
    resp = client.get(path, headers={"accept": "text/html"})
    assert resp.status_code < 500, (path, resp.status_code, resp.text[:300])
    if resp.status_code >= 400:
        assert "ungültig" in resp.text.lower() or "nicht" in resp.text, resp.text[:300]
