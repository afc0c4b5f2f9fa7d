"""Helpers for web tests: users of each role, a logged-in TestClient, stored items."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from store.blobs import blob_store
from store.settings import get_settings

PASSWORD = "Passwort-fuer-Tests-1"
USERS = {
    "es": (["eingangsservice"], ["*"]),
    "sozial": (["fachamt"], ["sozialamt"]),
    "jc": (["fachamt"], ["jobcenter"]),
    "post": (["poststelle"], []),
    "chef": (["admin"], []),
    "pruefer": (["auditor"], []),
}


def create_users() -> None:
    """The users of :data:`USERS`, all with :data:`PASSWORD`, made by ``create_user`` as staff
    accounts are made. Their argon2 hash is computed once per test process: argon2 is slow on
    purpose, and six hashes per test were seconds of each web test's set-up on a busy machine.
    Logging in still verifies against it with the production parameters."""
    from unittest import mock

    from store import users
    from store.db import session_scope

    real = users.hash_password

    def hashed_once(password: str) -> str:
        if password not in _HASHED:
            _HASHED[password] = real(password)
        return _HASHED[password]

    with mock.patch.object(users, "hash_password", hashed_once), session_scope(get_settings()) as session:
        for name, (roles, queues) in USERS.items():
            users.create_user(session, name, PASSWORD, roles, queues, f"Test {name}")


_HASHED: dict[str, str] = {}  # password → its argon2 hash, once per test process


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def client_for(username: str | None = None) -> TestClient:
    from admin.app import create_app

    client = TestClient(create_app(), follow_redirects=False)
    if username:
        login(client, username)
    return client


def login(client: TestClient, username: str, password: str = PASSWORD) -> None:
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert resp.status_code == 303, resp.text


def post_form(client: TestClient, page: str, action: str, data: dict, **kw):  # type: ignore[no-untyped-def]
    """POST ``data`` to ``action`` with the CSRF token of ``page`` (as a browser would)."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={**data, "csrf_token": token}, **kw)


def add_item(subject: str, text: str, queue: str | None, urgent: bool = False,
             minutes_ago: int = 0, channel: str = "email", status: str = "routed") -> int:
    from store.db import session_scope
    from store.enums import Channel
    from store.intake import Incoming, store_incoming

    incoming = Incoming(channel=Channel(channel), content=f"Subject: {subject}\n\n{text}".encode(),
                        media_type="message/rfc822",
                        received_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
                        sender="buerger@example.org", subject=subject)
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, incoming, blob_store(get_settings()))
        item.text = item.full_text = text
        item.queue, item.urgent, item.status, item.intent = queue, urgent, status, "antrag"
        return item.id
