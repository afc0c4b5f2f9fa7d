"""Optional login through the Kommune's identity provider (OpenID Connect, Authlib).

The provider only says who someone is: the ID token's ``oidc_username_claim`` must name an
active local user, whose roles and queues are assigned in eingang (no account is created from
a token). Authlib checks the ID token's signature (provider JWKS), issuer, audience, expiry
and nonce; the state parameter lives in the signed session cookie.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from admin.security import home_for, login, oidc_enabled
from admin.state import web_settings
from admin.templating import render
from store.db import session_scope
from store.events import record
from store.settings import Settings
from store.users import get_user

router = APIRouter()


@lru_cache(maxsize=4)
def _client(issuer: str, client_id: str, client_secret: str):  # type: ignore[no-untyped-def]
    from authlib.integrations.starlette_client import OAuth  # only when configured

    oauth = OAuth()
    return oauth.register(
        "kommune",
        server_metadata_url=issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_id=client_id,
        client_secret=client_secret,
        client_kwargs={"scope": "openid profile email"},
    )


def client(settings: Settings):  # type: ignore[no-untyped-def]
    return _client(settings.oidc_issuer, settings.oidc_client_id, settings.oidc_client_secret)


def _refuse(request: Request, status: int, message: str):  # type: ignore[no-untyped-def]
    return render(request, "login.html", status_code=status, next="/", error=message)


@router.get("/login/oidc")
async def start(request: Request):  # type: ignore[no-untyped-def]
    settings = web_settings(request)
    if not oidc_enabled(settings):
        return RedirectResponse("/login", status_code=303)
    return await client(settings).authorize_redirect(request, str(request.url_for("oidc_callback")))


@router.get("/login/oidc/callback", name="oidc_callback")
async def callback(request: Request):  # type: ignore[no-untyped-def]
    settings = web_settings(request)
    if not oidc_enabled(settings):
        return RedirectResponse("/login", status_code=303)
    from authlib.integrations.starlette_client import OAuthError

    try:
        token = await client(settings).authorize_access_token(request)
    except OAuthError as exc:
        with session_scope(settings) as session:
            record(session, None, "web:anonymous", "login_failed", "Anmeldung (OIDC) fehlgeschlagen",
                   method="oidc", error=exc.error)
        return _refuse(request, 401, "Die Anmeldung beim Identitätsanbieter ist fehlgeschlagen.")
    claims = token.get("userinfo") or {}
    username = str(claims.get(settings.oidc_username_claim) or "")
    with session_scope(settings) as session:
        user = get_user(session, username) if username else None
        if user is None or not user.active:
            record(session, None, "web:anonymous", "login_failed", "Anmeldung (OIDC) ohne Konto",
                   username=username[:120] or "-", method="oidc")
            user = None
        else:
            record(session, None, f"web:{user.username}", "login", "Angemeldet (OIDC)",
                   username=user.username, method="oidc")
            session.flush()
            session.expunge(user)
    if user is None:
        return _refuse(request, 403, "Für dieses Konto ist in eingang kein Zugang eingerichtet.")
    login(request, user)
    return RedirectResponse(home_for(user), status_code=303)
