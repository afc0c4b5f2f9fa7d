"""Access matrix: every route of the web app and the API, for every role and for nobody.

A route that is not on the explicit public list must depend on ``current_user`` (directly or
through ``require``/``require_role``); a route that requires a permission must answer 403 to
each role without it. Adding a route without its check makes this test fail.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Mount

from admin.security import PERMISSIONS, current_user
from tests.web import USERS, add_item, client_for, create_users

PUBLIC = {
    ("GET", "/health"), ("GET", "/healthz"), ("GET", "/"), ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"),
    ("GET", "/anliegen"), ("GET", "/anliegen/weiter"), ("POST", "/anliegen"),
    ("GET", "/api/v1/openapi.json"), ("HEAD", "/api/v1/openapi.json"),
    ("POST", "/api/v1/submissions"),
    # OpenID Connect: the provider's signed answer is the credential (admin/oidc.py).
    ("GET", "/login/oidc"), ("GET", "/login/oidc/callback"),
    # Appointment links for citizens: the unguessable token in the link is the credential.
    ("GET", "/termin/{token}"), ("POST", "/termin/{token}"),
    ("GET", "/termin/absagen/{token}"), ("POST", "/termin/absagen/{token}"),
    # Information pages every public page links to (admin/routes/info.py).
    ("GET", "/impressum"), ("GET", "/datenschutz"), ("GET", "/barrierefreiheit"),
    ("GET", "/leichte-sprache"),
    # FIT-Connect callbacks: the HMAC-SHA-512 with the callback secret is the credential.
    ("POST", "/fitconnect/callback/{name}"),
    # Monitoring: the bearer token or an admin's session (admin/routes/operations.py,
    # checked in tests/test_health.py).
    ("GET", "/health"), ("GET", "/metrics"),
}


def iter_routes(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    """(method, path, dependant) for every endpoint, including included routers and mounts."""
    for route in routes:
        if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
            for ctx in route.effective_route_contexts():
                for method in sorted(ctx.methods or []):
                    yield method, prefix + ctx.path, ctx.dependant
        elif isinstance(route, Mount):
            if hasattr(route.app, "routes"):  # the API sub-app (static files have none)
                yield from iter_routes(route.app.routes, prefix + route.path)
        else:
            for method in sorted(getattr(route, "methods", None) or []):
                yield method, prefix + route.path, getattr(route, "dependant", None)


def _calls(dependant):  # type: ignore[no-untyped-def]
    if dependant is None:
        return
    for dep in dependant.dependencies:
        yield dep.call
        yield from _calls(dep)


def required_permission(dependant) -> str | None:  # type: ignore[no-untyped-def]
    for call in _calls(dependant):
        if getattr(call, "__qualname__", "").startswith("require.") and call.__closure__:
            for cell in call.__closure__:
                if isinstance(cell.cell_contents, str) and cell.cell_contents in PERMISSIONS:
                    return cell.cell_contents
    return None


def needs_login(dependant) -> bool:  # type: ignore[no-untyped-def]
    return any(call is current_user for call in _calls(dependant))


@pytest.fixture
def app_routes(settings):  # type: ignore[no-untyped-def]
    from admin.app import create_app

    create_users()
    return list(iter_routes(create_app().routes))


def test_every_non_public_route_checks_the_login(app_routes):
    unchecked = [(m, p) for m, p, d in app_routes if (m, p) not in PUBLIC and not needs_login(d)]
    assert not unchecked, f"routes without access check (add require(...) or list as public): {unchecked}"
    assert len(app_routes) > 40


def _fill(path: str, ids: dict[str, int | str]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), 1)), path)


def _csrf(client) -> str:  # type: ignore[no-untyped-def]
    page = client.get("/konto").text
    return re.search(r'"X-CSRF-Token": "([^"]+)"', page).group(1)


def test_each_role_gets_exactly_its_routes(app_routes):
    item = add_item("Weiterbewilligung", "BG-Nummer 26102BG0041877", "jobcenter")
    ids = {"item_id": item, "doc_id": 1, "page": 1, "batch_id": 1, "version": 1, "token": "x" * 32}
    checked = [(m, p, required_permission(d)) for m, p, d in app_routes if (m, p) not in PUBLIC]

    anonymous = client_for()
    for method, path, _ in checked:
        resp = anonymous.request(method, _fill(path, ids))
        # 403 for POSTs: the CSRF check refuses a request without a session first.
        assert resp.status_code in (401, 303, 403), f"anonymous {method} {path}: {resp.status_code}"
        if resp.status_code == 303:
            assert resp.headers["location"].startswith("/login")

    failures = []
    for username, (roles, _queues) in USERS.items():
        client = client_for(username)
        headers = {"X-CSRF-Token": _csrf(client)}
        for method, path, permission in checked:
            if path == "/logout":
                continue
            allowed = permission is None or bool(PERMISSIONS[permission] & set(roles))
            resp = client.request(method, _fill(path, ids), headers=headers)
            if not allowed and resp.status_code != 403:
                failures.append(f"{username} {method} {path}: {resp.status_code}, expected 403")
            if allowed and resp.status_code in (401, 403):
                failures.append(f"{username} {method} {path}: {resp.status_code}, expected access")
    assert not failures, "\n".join(failures)


def test_item_content_only_for_the_items_queue(app_routes):
    """Roles without the item's queue (Sozialamt staff, admin, auditor) get 403/404 on every
    route that shows or changes an item, by page, document, API and search."""
    jc = add_item("Weiterbewilligung Bürgergeld", "BG-Nummer 26102BG0041877", "jobcenter")
    item_routes = [(m, p) for m, p, _ in app_routes if "{item_id}" in p]
    assert len(item_routes) >= 10
    for username in ("sozial", "chef", "pruefer"):
        client = client_for(username)
        headers = {"X-CSRF-Token": _csrf(client)}
        for method, path in item_routes:
            resp = client.request(method, _fill(path, {"item_id": jc, "doc_id": 1, "page": 1}),
                                  headers=headers)
            if method == "POST" and resp.status_code == 303:  # an action page answers by redirect
                assert "fehler" in resp.headers["location"] or "nicht" in resp.text.lower(), path
                continue
            assert resp.status_code in (403, 404), f"{username} {method} {path}: {resp.status_code}"
        for search in ("/inbox?q=Bürgergeld", "/inbox/rows?q=26102BG0041877", "/api/v1/items?q=Bürgergeld"):
            resp = client.get(search)
            assert resp.status_code in (200, 403)
            # (the whole subject: "Weiterbewilligung" alone is an intent in the inbox's filter)
            assert "Weiterbewilligung Bürgergeld" not in resp.text and "26102BG0041877" not in resp.text
    # The item's own queue sees it (the matrix is not just closed for everyone).
    assert client_for("jc").get(f"/items/{jc}").status_code == 200
