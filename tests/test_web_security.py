"""Web hardening: security headers, login lockout, audit entries with the client address,
safe downloads and the auditor's view of the hash-chained log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from store.settings import get_settings
from tests.web import PASSWORD, add_item, client_for, create_users, csrf_of


@pytest.fixture
def web(settings, monkeypatch):  # type: ignore[no-untyped-def]
    import time

    monkeypatch.setattr(time, "sleep", lambda _s: None)  # the slow-down is tested by its value
    create_users()
    return settings


def _try(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def test_security_headers_on_pages_errors_and_api(web):
    client = client_for("es")
    for path in ("/login", "/inbox", "/items/999999", "/api/v1/items", "/static/app.css", "/anliegen"):
        resp = client.get(path)
        csp = resp.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp, path
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
        assert resp.headers["x-content-type-options"] == "nosniff"
        assert resp.headers["referrer-policy"] == "same-origin"
    assert client.get("/inbox").headers["cache-control"] == "private, no-store"


def test_login_is_locked_after_repeated_failures(web):
    from store import login_guard
    from store.db import session_scope

    client = client_for()
    for _ in range(5):
        assert _try(client, "es", "falsch").status_code == 401
    locked = _try(client, "es", PASSWORD)  # even the right password: locked for now
    assert locked.status_code == 429 and "Zu viele Fehlversuche" in locked.text
    assert _try(client, "jc", PASSWORD).status_code == 303  # other names are not affected
    with session_scope(get_settings()) as session:
        verdict = login_guard.check(session, "sozial", None, window_minutes=15, max_failures=5,
                                    max_failures_per_ip=20)
        assert verdict == login_guard.Verdict(False, 0.0)
        from store.models import AuditEvent

        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target == "user:es")).all()
    assert actions.count("login.failed") == 5 and "login.locked" in actions


def test_slow_down_grows_with_failures(web):
    from datetime import timedelta

    from store import login_guard
    from store.db import session_scope
    from store.models import utcnow

    client = client_for()
    for _ in range(4):
        _try(client, "sozial", "falsch")
    with session_scope(get_settings()) as session:
        verdict = login_guard.check(session, "sozial", None, window_minutes=15, max_failures=5,
                                    max_failures_per_ip=20)
        later = login_guard.check(session, "sozial", None, window_minutes=15, max_failures=5,
                                  max_failures_per_ip=20, now=utcnow() + timedelta(minutes=16))
    assert not verdict.locked and verdict.delay == 1.0
    assert later == login_guard.Verdict(False, 0.0)  # the window has passed


def test_reads_and_downloads_are_audited_with_address_and_browser(web):
    from store import audit
    from store.db import session_scope

    item = add_item("Antrag", "Ich beantrage Wohngeld", "wohngeld")
    client = client_for("es")
    client.headers["user-agent"] = "Testbrowser/1.0"
    assert client.get(f"/items/{item}").status_code == 200
    download = client.get(f"/items/{item}/dokumente/1")
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["content-type"] == "application/octet-stream"
    with session_scope(get_settings()) as session:
        entries = audit.search(session, audit.AuditQuery(item_id=item))
        assert audit.verify(session).ok
    by_action = {e.action: e for e in entries}
    assert {"item.viewed", "item.downloaded"} <= set(by_action)
    viewed = by_action["item.viewed"]
    assert viewed.actor == "web:es" and viewed.ip == "testclient"
    assert viewed.user_agent == "Testbrowser/1.0"
    logins = [e for e in audit.search(session, audit.AuditQuery(action="login"))]
    assert logins and logins[0].target == "user:es"


def test_auditor_sees_chain_status_searches_and_exports(web):
    item = add_item("Antrag", "Ich beantrage Wohngeld", "wohngeld")
    client_for("es").get(f"/items/{item}")
    auditor = client_for("pruefer")
    page = auditor.get("/admin/protokoll?aktion=item.viewed")
    assert page.status_code == 200 and "Hash-Kette unverändert" in page.text
    assert "Vorgang angesehen" in page.text and "web:es" in page.text
    export = auditor.get("/admin/protokoll/export.csv?wer=web:es")
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    assert "item.viewed" in export.text and "login" in export.text
    assert client_for("jc").get("/admin/protokoll/export.csv").status_code == 403


def test_full_text_search_is_audited_without_the_term(web):
    from store import audit
    from store.db import session_scope

    item = add_item("Antrag", "Ich beantrage Wohngeld, Maria Musterfrau", "wohngeld")
    client = client_for("es")
    assert client.get("/inbox?q=Musterfrau").status_code == 200
    assert client.get("/api/v1/items?q=Musterfrau").status_code == 200
    with session_scope(get_settings()) as session:
        entries = audit.search(session, audit.AuditQuery(action="item.search"))
    assert {e.actor for e in entries} == {"web:es", "api:es"}
    assert all(e.details["items"] == [item] and e.details["results"] == 1 for e in entries)
    assert all("Musterfrau" not in str(e.details) for e in entries)
