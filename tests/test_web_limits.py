"""Request limits before parsing and the client address behind proxies (issue #17, items 7, 8):
a body is refused by its declared length before it is read, a chunked one is cut off at the
limit, the submission rate is counted before parsing, X-Forwarded-For is believed only from
configured proxies."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from store.settings import get_settings
from tests.web import client_for, create_users, csrf_of


async def _call(app, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks):  # type: ignore[no-untyped-def]
    """Drive the ASGI app by hand: ``chunks`` is pulled only as far as the app reads."""
    pulled = 0
    answer: dict = {}
    iterator = iter(chunks)

    async def receive():  # type: ignore[no-untyped-def]
        nonlocal pulled
        chunk = next(iterator, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message):  # type: ignore[no-untyped-def]
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
        elif message["type"] == "http.response.body":
            answer["body"] = answer.get("body", b"") + message.get("body", b"")

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "headers": [(b"host", b"testserver"), *headers],
             "client": ("192.0.2.10", 40000), "server": ("testserver", 80)}
    await app(scope, receive, send)
    return answer, pulled


def _app():  # type: ignore[no-untyped-def]
    from admin.app import create_app

    return create_app()


def test_a_huge_declared_body_is_refused_before_a_byte_is_read(settings):
    chunks = (b"x" * 65536 for _ in range(3200))  # 200 MB, if anyone read it
    answer, pulled = asyncio.run(_call(_app(), "POST", "/api/v1/submissions",
                                       [(b"content-type", b"application/json"),
                                        (b"content-length", str(200 * 1024 * 1024).encode())], chunks))
    assert answer["status"] == 413 and pulled == 0
    assert "zu groß" in answer["body"].decode()


@pytest.mark.parametrize("path", ["/api/v1/submissions", "/anliegen", "/login", "/post/upload"])
def test_a_chunked_body_is_cut_off_at_the_limit(settings, path, monkeypatch):
    from admin.limits import ENVELOPE, STAFF_FORM_LIMIT

    monkeypatch.setattr(settings, "form_max_bytes", 1024 * 1024)
    monkeypatch.setattr(settings, "smtp_max_message_bytes", 512 * 1024)
    import itertools

    head = (b'--grenze\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n'
            b"Content-Type: application/pdf\r\n\r\n")
    api = path.startswith("/api/")
    chunks = itertools.chain([] if api else [head], (b"x" * 65536 for _ in range(3200)))
    kind = b"application/json" if api else b"multipart/form-data; boundary=grenze"
    answer, pulled = asyncio.run(_call(_app(), "POST", path, [(b"content-type", kind)], chunks))
    assert answer["status"] == 413, answer
    biggest = max(settings.form_max_bytes * 4 // 3, settings.smtp_max_message_bytes * 8, STAFF_FORM_LIMIT)
    assert pulled <= biggest + ENVELOPE + 65536


def test_the_submission_rate_is_counted_before_the_body_is_parsed(settings, monkeypatch):
    monkeypatch.setattr(settings, "form_rate_limit", 3)
    client = client_for()
    codes = [client.post("/api/v1/submissions", content=b"{" * 1000,
                         headers={"content-type": "application/json"}).status_code for _ in range(5)]
    assert codes == [422, 422, 422, 429, 429]
    assert "viele Anliegen" in client.post("/api/v1/submissions", json={"text": "x"}).text


def _login_attempt_address(settings, forwarded_for: str) -> str | None:
    """Log in wrongly through uvicorn's configured app from 127.0.0.1 with X-Forwarded-For;
    the address the audit trail recorded."""
    import uvicorn

    from admin.app import create_app, server_options
    from store.db import session_scope
    from store.models import AuditEvent

    config = uvicorn.Config(create_app(), **server_options(settings))
    config.load()

    async def attempt() -> None:
        transport = httpx.ASGITransport(app=config.loaded_app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            token = csrf_of((await client.get("/login")).text)
            await client.post("/login", headers={"x-forwarded-for": forwarded_for},
                              data={"username": "es", "password": "falsch", "csrf_token": token})

    asyncio.run(attempt())
    with session_scope(get_settings()) as session:
        return session.scalars(select(AuditEvent.ip).where(AuditEvent.action == "login.failed")
                               .order_by(AuditEvent.seq.desc())).first()


def test_forwarded_addresses_are_believed_only_from_configured_proxies(settings, monkeypatch):
    create_users()
    # Not configured: a local client cannot pretend to be someone else
    assert _login_attempt_address(settings, "198.51.100.7") == "127.0.0.1"
    # Configured: the proxy's header names the citizen
    monkeypatch.setattr(settings, "trusted_proxies", "127.0.0.1, 10.0.0.0/8")
    assert _login_attempt_address(settings, "198.51.100.8") == "198.51.100.8"
