"""OpenID Connect login against a minimal local identity provider (loopback, RS256-signed ID
tokens, JWKS, authorization code flow): a known user gets in, an unknown one or a forged
state does not; both are audited."""

from __future__ import annotations

import secrets
import threading
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
import uvicorn
from authlib.jose import JsonWebKey, jwt
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse

from store.settings import get_settings
from tests.services import free_port, wait_for_port
from tests.web import client_for, create_users

CLIENT_ID, CLIENT_SECRET = "eingang", "geheimnis-der-kommune"


class FakeProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.key = JsonWebKey.generate_key("RSA", 2048, is_private=True, options={"kid": "k1"})
        self.codes: dict[str, str] = {}  # code -> nonce
        self.user = "es"
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        def metadata() -> dict:
            return {"issuer": self.base, "authorization_endpoint": f"{self.base}/authorize",
                    "token_endpoint": f"{self.base}/token", "jwks_uri": f"{self.base}/jwks",
                    "response_types_supported": ["code"], "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256"]}

        @app.get("/jwks")
        def jwks() -> dict:
            return {"keys": [self.key.as_dict(is_private=False)]}

        @app.get("/authorize")
        def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
            code = secrets.token_urlsafe(16)
            self.codes[code] = q.get("nonce", "")
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode({'code': code, 'state': q['state']})}")

        @app.post("/token")
        def token(request: Request, code: str = Form(...)) -> JSONResponse:
            nonce = self.codes.pop(code)
            now = int(time.time())
            claims = {"iss": self.base, "sub": f"sub-{self.user}", "aud": CLIENT_ID, "iat": now,
                      "exp": now + 300, "nonce": nonce, "preferred_username": self.user}
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.key).decode()
            return JSONResponse({"access_token": "at", "token_type": "Bearer", "expires_in": 300,
                                 "id_token": id_token})

        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        wait_for_port(self.port, 20)
        return self

    def __exit__(self, *exc) -> None:  # type: ignore[no-untyped-def]
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def provider(settings, monkeypatch):  # type: ignore[no-untyped-def]
    from store.settings import get_settings

    create_users()
    with FakeProvider() as idp:
        monkeypatch.setenv("EINGANG_OIDC_ISSUER", idp.base)
        monkeypatch.setenv("EINGANG_OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("EINGANG_OIDC_CLIENT_SECRET", CLIENT_SECRET)
        get_settings.cache_clear()
        yield idp
    get_settings.cache_clear()


def _through_provider(client, idp: FakeProvider, tamper_state: bool = False):  # type: ignore[no-untyped-def]
    start = client.get("/login/oidc")
    assert start.status_code in (302, 303, 307)
    authorize = start.headers["location"]
    assert authorize.startswith(f"{idp.base}/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["scope"] == ["openid profile email"] and query["nonce"][0]
    back = httpx.get(authorize, follow_redirects=False).headers["location"]
    parts = urlsplit(back)
    params = parse_qs(parts.query)
    if tamper_state:
        params["state"] = ["gefälscht"]
    return client.get(f"{parts.path}?{urlencode({k: v[0] for k, v in params.items()})}")


def test_known_user_logs_in_through_the_provider(provider):
    client = client_for()
    assert "Mit dem Konto der Kommune anmelden" in client.get("/login").text
    done = _through_provider(client, provider)
    assert done.status_code == 303 and done.headers["location"] == "/inbox"
    assert client.get("/inbox").status_code == 200

    from store import audit
    from store.db import session_scope

    with session_scope(get_settings()) as session:
        [entry] = audit.search(session, audit.AuditQuery(action="login"))
    assert entry.actor == "web:es" and entry.details["method"] == "oidc"


def test_unknown_user_and_forged_state_are_refused(provider):
    provider.user = "niemand"
    client = client_for()
    refused = _through_provider(client, provider)
    assert refused.status_code == 403 and "kein Zugang" in refused.text
    assert client.get("/inbox").status_code == 303  # still not logged in

    provider.user = "es"
    forged = _through_provider(client_for(), provider, tamper_state=True)
    assert forged.status_code == 401

    from store import audit
    from store.db import session_scope

    with session_scope(get_settings()) as session:
        failed = audit.search(session, audit.AuditQuery(action="login.failed"))
    assert len(failed) == 2


def test_without_configuration_there_is_no_oidc_login(settings):
    create_users()
    client = client_for()
    assert "Konto der Kommune" not in client.get("/login").text
    assert client.get("/login/oidc").headers["location"] == "/login"
