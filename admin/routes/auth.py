"""Login and logout for staff."""

from __future__ import annotations

import time
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse

from admin.security import (
    csrf_protect,
    current_user,
    home_for,
    login,
    logout,
    optional_user,
    safe_next,
)
from admin.state import web_settings
from admin.templating import render
from store import login_guard
from store.db import session_scope
from store.events import record
from store.models import User
from store.settings import Settings
from store.users import MIN_PASSWORD_LENGTH, authenticate

router = APIRouter(dependencies=[Depends(csrf_protect)])


@router.get("/", include_in_schema=False)
def index(request: Request) -> RedirectResponse:
    user = optional_user(request)
    return RedirectResponse(home_for(user) if user else "/login", status_code=303)


@router.get("/login")
def login_form(request: Request, next: str = "/"):  # noqa: A002
    return render(request, "login.html", next=safe_next(next), error=None)


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form(""),
                 next: str = Form("/"), settings: Settings = Depends(web_settings)):  # noqa: A002
    client = request.client.host if request.client else None
    username = login_guard.normalize(username)  # once: lockout, check and audit see one name
    with session_scope(settings) as session:
        verdict = login_guard.claim(
            session, username, client, window_minutes=settings.login_lockout_minutes,
            max_failures=settings.login_max_failures,
            max_failures_per_ip=settings.login_max_failures_per_ip,
        )
        if verdict.locked:
            record(session, None, "web:anonymous", "login_locked", "Anmeldung gesperrt",
                   username=username[:120], client=client)
    if verdict.locked:
        return render(request, "login.html", status_code=429, next=safe_next(next),
                      error="Zu viele Fehlversuche. Bitte versuchen Sie es in "
                            f"{settings.login_lockout_minutes} Minuten erneut.")
    time.sleep(verdict.delay)  # slows guessing down; the lock above stops it
    with session_scope(settings) as session:
        user = authenticate(session, username, password)
        if user is None:
            record(session, None, "web:anonymous", "login_failed",
                   "Anmeldung fehlgeschlagen", username=username[:120], client=client)
        else:
            record(session, None, f"web:{user.username}", "login", "Angemeldet", client=client,
                   username=user.username)
            session.flush()
            session.expunge(user)
    if user is None:
        return render(request, "login.html", status_code=401, next=safe_next(next),
                      error="Benutzername oder Passwort ist falsch.")
    login(request, user)
    target = safe_next(next)
    return RedirectResponse(target if target != "/" else home_for(user), status_code=303)


@router.post("/logout")
def logout_submit(request: Request) -> RedirectResponse:
    user = optional_user(request)
    if user is not None:
        with session_scope(web_settings(request)) as session:
            record(session, None, f"web:{user.username}", "logout", "Abgemeldet")
    logout(request, user)
    return RedirectResponse("/login", status_code=303)


@router.get("/konto")
def account(request: Request, user: User = Depends(current_user)):
    return render(request, "account.html", message=request.query_params.get("meldung"),
                  min_length=MIN_PASSWORD_LENGTH)


@router.post("/konto/passwort")
def change_own_password(request: Request, current: str = Form(""), new: str = Form(""),
                        repeat: str = Form(""), user: User = Depends(current_user)):
    """Change one's own password: the current one first; other sessions end, this one stays."""
    from store.users import UserError, password_matches, set_password

    def refuse(text: str):  # type: ignore[no-untyped-def]
        return render(request, "account.html", status_code=422, error=text, min_length=MIN_PASSWORD_LENGTH)

    if new != repeat:
        return refuse("Die beiden neuen Passwörter stimmen nicht überein.")
    with session_scope(web_settings(request)) as session:
        stored = session.get(User, user.id)
        if stored is None or not password_matches(stored, current):
            record(session, None, f"web:{user.username}", "password_change_refused",
                   "Passwortänderung abgelehnt (aktuelles Passwort falsch)")
            error = "Das aktuelle Passwort ist falsch."
        elif current == new:
            error = "Das neue Passwort muss sich vom bisherigen unterscheiden."
        else:
            try:
                set_password(session, stored, new, f"web:{user.username}")
                error = None
            except UserError as exc:
                error = str(exc)
            if error is None:
                login(request, stored)  # this session continues with the new epoch
    if error:
        return refuse(error)
    return RedirectResponse("/konto?meldung=" + quote("Ihr Passwort ist geändert. Andere Sitzungen "
                                                     "sind abgemeldet."), status_code=303)
