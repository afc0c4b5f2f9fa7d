"""The public form and API under attack (issue #17, items 2, 7, 14): one address, no control
characters, bodies limited before they are read, NUL bytes refused or cleaned, never a 500."""

from __future__ import annotations

import pytest

from store.settings import get_settings
from tests.web import client_for, csrf_of

BAD_ADDRESSES = [
    "a@example.org, b@example.org",
    "a@example.org;b@example.org",
    "a@example.org b@example.org",
    "<a@example.org>,c@example.org",
    "a@example.org\u2028",
    "a\u2028b@example.org",
    "a@example.org\u0085",
    "a@exa\x00mple.org",
    "a@example.org\r\nBcc: x@example.org",
    "keine-adresse",
]


@pytest.fixture
def web(store_backend):  # type: ignore[no-untyped-def]
    return store_backend


def _stored_senders() -> list[str | None]:
    from sqlalchemy import select

    from store.db import session_scope
    from store.models import Item

    with session_scope(get_settings()) as session:
        return list(session.scalars(select(Item.sender)))


@pytest.mark.parametrize("address", BAD_ADDRESSES)
def test_the_api_takes_exactly_one_valid_address(web, address):
    resp = client_for().post("/api/v1/submissions", json={"text": "Ich brauche Hilfe.", "email": address})
    assert resp.status_code == 422, resp.text
    assert "E-Mail-Adresse" in resp.text
    assert _stored_senders() == []


def test_the_form_refuses_a_list_of_addresses_in_german(web):
    client = client_for()
    token = csrf_of(client.get("/anliegen/weiter?topic=wohnen&postcode=26123").text)
    resp = client.post("/anliegen", data={"csrf_token": token, "topic": "wohnen", "text": "Hilfe",
                                          "email": "a@example.org, b@example.org"})
    assert resp.status_code == 422 and "E-Mail-Adresse" in resp.text
    assert _stored_senders() == []


def test_a_valid_address_is_kept_as_the_one_sender(web):
    resp = client_for().post("/api/v1/submissions",
                             json={"text": "Ich brauche Hilfe.", "email": " Maria.Mueller@Example.org "})
    assert resp.status_code == 201, resp.text
    assert _stored_senders() == ["Maria.Mueller@example.org"]
