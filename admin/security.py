"""Who is asking and what they may do: the one place for the web app's access policy.

Every page and API route depends on ``current_user`` or ``require(permission)``; every query
over items goes through ``visible_items`` (list, search, counts, item page, API, downloads), so
a Fachamt user never sees another queue's items, whichever way they ask. Forms carry a
per-session CSRF token checked by ``csrf_protect`` for every state-changing request.
"""

from __future__ import annotations

import hmac
import secrets
from contextlib import nullcontext
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from sqlalchemy import Select, false
from sqlalchemy.orm import Session

from admin.reads import held_reads
from admin.state import web_settings
from store.db import session_scope, statement_reads
from store.models import Item, User
from store.settings import Settings
from store.users import ALL_QUEUES

# Permission → roles that have it. Extend here (and only here) when adding pages.
PERMISSIONS: dict[str, frozenset[str]] = {
    "inbox": frozenset({"eingangsservice", "fachamt", "clearing", "poststelle", "admin"}),
    "item_edit": frozenset({"eingangsservice", "fachamt", "clearing"}),
    "reroute": frozenset({"eingangsservice", "clearing", "fachamt"}),
    "bulk": frozenset({"eingangsservice", "clearing"}),
    "phone": frozenset({"eingangsservice", "fachamt", "clearing"}),
    "mailroom": frozenset({"poststelle", "eingangsservice", "admin"}),
    "admin": frozenset({"admin"}),
    "audit": frozenset({"auditor", "admin"}),
    # The dashboard /steuerung: Leitung and admins see every office, Fachamt and Clearing
    # users their own queues (admin.routes.steering).
    "steering": frozenset({"leitung", "admin", "fachamt", "clearing"}),
}
# Roles that see every queue (and items not routed yet) without a queue list.
ALL_QUEUE_ROLES = frozenset({"eingangsservice", "poststelle"})
SESSION_USER = "uid"
SESSION_CSRF = "csrf"
SESSION_EPOCH = "ep"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """Raised for pages when nobody is logged in; the app answers with a redirect to /login."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


def has_permission(user: User, permission: str) -> bool:
    return bool(PERMISSIONS[permission] & set(user.roles))


def home_for(user: User) -> str:
    """The first page a user lands on after logging in."""
    for permission, path in (("inbox", "/inbox"), ("mailroom", "/post"), ("admin", "/admin"),
                             ("steering", "/steuerung")):
        if has_permission(user, permission):
            return path
    return "/konto"


def oidc_enabled(settings: Settings) -> bool:
    """Whether staff may log in through the Kommune's identity provider (admin.oidc)."""
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def sees_all_queues(user: User) -> bool:
    return visible_queues(user) is None


def visible_queues(user: User) -> frozenset[str] | None:
    """Queue keys the user may see; None means all (including items not yet routed)."""
    if ALL_QUEUES in user.queues or not ALL_QUEUE_ROLES.isdisjoint(user.roles):
        return None
    queues = set(user.queues)
    if "clearing" in user.roles:
        queues.add("clearing")
    return frozenset(queues)


def visible_items(stmt: Select, user: User) -> Select:
    """Restrict any select over ``Item`` to what ``user`` may see."""
    if not has_permission(user, "inbox"):
        return stmt.where(false())
    queues = visible_queues(user)
    if queues is None:
        return stmt
    if not queues:
        return stmt.where(false())
    return stmt.where(Item.queue.in_(sorted(queues)))


def can_see_item(user: User, item: Item) -> bool:
    if not has_permission(user, "inbox"):
        return False
    queues = visible_queues(user)
    return queues is None or (item.queue is not None and item.queue in queues)


def get_visible_item(session: Session, user: User, item_id: int) -> Item:
    """The item if the user may see it; 404 otherwise (never reveal that it exists)."""
    item = session.get(Item, item_id)
    if item is None or not can_see_item(user, item):
        raise HTTPException(404, "Vorgang nicht gefunden.")
    return item


# --- sessions ---------------------------------------------------------------------------


def _load_user(request: Request) -> User | None:
    uid = request.session.get(SESSION_USER)
    if not isinstance(uid, int):
        return None
    # One SELECT on every request: no transaction around it (store.engine.statement_reads),
    # on the request's read connection where its route holds one (admin.reads).
    held = held_reads(request)
    with nullcontext(held) if held is not None else statement_reads(web_settings(request)) as session:
        user = session.get(User, uid)
        if user is None or not user.active:
            return None
        if request.session.get(SESSION_EPOCH) != user.session_epoch:
            return None  # ended by logout or a password change (also in other browsers)
        session.expunge(user)
        return user


def optional_user(request: Request) -> User | None:
    cached = getattr(request.state, "user", None)
    if cached is None:
        cached = _load_user(request)
        request.state.user = cached
    return cached


def current_user(request: Request, user: User | None = Depends(optional_user)) -> User:
    if user is None:
        if request.url.path.startswith("/api/"):
            raise HTTPException(401, "Anmeldung erforderlich.")
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return user


def require(permission: str):  # type: ignore[no-untyped-def]
    """Dependency: the logged-in user, who must have ``permission`` (403 otherwise)."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(user: User = Depends(current_user)) -> User:
        if not has_permission(user, permission):
            raise HTTPException(403, "Dafür fehlt Ihnen die Berechtigung.")
        return user

    return dependency


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    def dependency(user: User = Depends(current_user)) -> User:
        if set(roles).isdisjoint(user.roles):
            raise HTTPException(403, "Dafür fehlt Ihnen die Berechtigung.")
        return user

    return dependency


def login(request: Request, user: User) -> None:
    request.session.clear()  # a fresh session on login: no fixation
    request.session[SESSION_USER] = user.id
    request.session[SESSION_EPOCH] = user.session_epoch
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def logout(request: Request, user: User | None = None) -> None:
    """End this session and, for a logged-in user, every other session of theirs."""
    if user is not None:
        from store.users import end_sessions

        with session_scope(web_settings(request)) as session:
            stored = session.get(User, user.id)
            if stored is not None:
                end_sessions(stored)
    request.session.clear()


def actor_of(user: User) -> str:
    return f"web:{user.username}"


# --- CSRF -------------------------------------------------------------------------------


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return token


async def csrf_protect(request: Request) -> None:
    """Every state-changing request from a browser carries the session's token."""
    if request.method in SAFE_METHODS:
        return
    expected = request.session.get(SESSION_CSRF)
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(str(expected), sent):
        raise HTTPException(403, "Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.")


def safe_next(value: str | None) -> str:
    """Only local paths after login: no open redirects."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


def login_url(next_path: str) -> str:
    return "/login?next=" + quote(safe_next(next_path), safe="/")
