"""Login under attack (issue #17, items 1, 5, 7): the lockout cannot be sidestepped with
whitespace or parallel requests, sessions end for good, and password hashing is bounded."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from store.settings import get_settings
from tests.web import PASSWORD, client_for, create_users, csrf_of


@pytest.fixture
def web(store_backend, monkeypatch):  # type: ignore[no-untyped-def]
    import time

    monkeypatch.setattr(time, "sleep", lambda _s: None)  # the slow-down is tested elsewhere
    create_users()
    return store_backend


def _try(client, username: str, password: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def _failures(target: str | None = None) -> int:
    from store.db import session_scope
    from store.models import AuditEvent

    stmt = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "login.failed")
    if target:
        stmt = stmt.where(AuditEvent.target == target)
    with session_scope(get_settings()) as session:
        return session.scalar(stmt) or 0


def test_a_locked_name_stays_locked_with_whitespace_around_it(web):
    client = client_for()
    for _ in range(5):
        assert _try(client, "es", "falsch").status_code == 401
    for variant in ("es ", " es", "es\t", "\tes\n", "es\u00a0"):
        resp = _try(client, variant, PASSWORD)
        assert resp.status_code == 429, (repr(variant), resp.status_code)
    assert _failures("user:es") == 5


def test_parallel_wrong_logins_count_exactly_up_to_the_limits(web):
    # Given 40 wrong logins for one name sent at the same time
    def attempt(_n: int) -> int:
        return _try(client_for(), "sozial", "falsch").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, range(40)))
    # Then at most 5 were checked against the password, the rest were refused as locked
    assert _failures("user:sozial") <= 5, codes
    assert codes.count(401) <= 5 and codes.count(429) >= 35


def test_parallel_wrong_logins_from_one_address_stop_at_its_limit(web):
    names = [f"nobody{n}" for n in range(40)]

    def attempt(name: str) -> int:
        return _try(client_for(), name, "falsch").status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(attempt, names))
    assert _failures() <= 20, codes
    assert codes.count(429) >= 20


def test_password_hashing_runs_at_most_a_few_at_a_time(web, monkeypatch):
    import store.users as users

    real = users._hasher
    running, peak, lock = 0, 0, threading.Lock()

    class Counting:
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(real, name)

        def verify(self, *args):  # type: ignore[no-untyped-def]
            nonlocal running, peak
            with lock:
                running += 1
                peak = max(peak, running)
            try:
                threading.Event().wait(0.05)
                return real.verify(*args)
            finally:
                with lock:
                    running -= 1

    monkeypatch.setattr(users, "_hasher", Counting())
    from store.db import session_scope

    def login(n: int) -> None:
        with session_scope(get_settings()) as session:
            users.authenticate(session, f"nobody{n}", "falsch")

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(login, range(16)))
    assert 1 <= peak <= users.HASH_CONCURRENCY < 16


# --- item 5: sessions end for good ----------------------------------------------------------


def _copy(client):  # type: ignore[no-untyped-def]
    """A second browser with the same session cookie (a copied cookie)."""
    other = client_for()
    other.cookies.set("eingang_session", client.cookies.get("eingang_session"))
    return other


def test_a_copied_cookie_stops_working_after_logout(web):
    from tests.web import post_form

    client = client_for("es")
    thief = _copy(client)
    assert thief.get("/inbox").status_code == 200
    assert post_form(client, "/inbox", "/logout", {}).status_code == 303
    assert thief.get("/inbox").status_code == 303  # back to the login page
    assert thief.get("/api/v1/items").status_code == 401


def test_a_password_change_ends_every_session_of_that_user(web):
    from store.db import session_scope
    from store.users import get_user, set_password

    client = client_for("sozial")
    thief = _copy(client)
    assert thief.get("/inbox").status_code == 200
    with session_scope(get_settings()) as session:
        set_password(session, get_user(session, "sozial"), "Neues-Passwort-2026", "cli:test")
    assert thief.get("/inbox").status_code == 303
    assert client.get("/inbox").status_code == 303
    fresh = client_for()
    from tests.web import login

    login(fresh, "sozial", "Neues-Passwort-2026")
    assert fresh.get("/inbox").status_code == 200
