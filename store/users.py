"""Staff accounts: argon2id password hashes, roles and visible queues (audited changes)."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from store.events import record
from store.models import User, utcnow

ROLES: dict[str, str] = {
    "eingangsservice": "Eingangsservice",
    "poststelle": "Poststelle",
    "fachamt": "Fachamt",
    "clearing": "Clearing-Stelle",
    "admin": "Administration",
    "auditor": "Prüfung (Audit)",
    "leitung": "Leitung (Steuerung)",
}
ALL_QUEUES = "*"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()
# Each argon2 run takes 64 MiB: at most this many at once, however many logins arrive together
# (the others wait their turn instead of taking the process's memory).
HASH_CONCURRENCY = max(2, os.cpu_count() or 2)
_hashing = threading.BoundedSemaphore(HASH_CONCURRENCY)
# Verifying against this when the user does not exist keeps the timing of both cases alike.
_DUMMY_HASH = _hasher.hash("no such user – timing guard")


def _verify(stored: str, password: str) -> bool:
    with _hashing:
        return _hasher.verify(stored, password)


def _hash(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


class UserError(Exception):
    """A user operation is not possible; the message (German) says why."""


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")
    return _hash(password)


def check_roles(roles: Iterable[str]) -> list[str]:
    roles = [r.strip() for r in roles if r.strip()]
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise UserError(f"Unbekannte Rolle(n): {', '.join(unknown)}. Erlaubt: {', '.join(ROLES)}")
    return roles


def get_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def create_user(
    session: Session,
    username: str,
    password: str,
    roles: Iterable[str],
    queues: Iterable[str] = (),
    display_name: str | None = None,
    actor: str = "system",
) -> User:
    username = username.strip()
    if not username:
        raise UserError("Benutzername fehlt.")
    if get_user(session, username) is not None:
        raise UserError(f"Benutzer „{username}“ gibt es schon.")
    user = User(
        username=username,
        display_name=(display_name or username).strip(),
        password_hash=hash_password(password),
        roles=check_roles(roles),
        queues=sorted({q.strip() for q in queues if q.strip()}),
        active=True,
    )
    session.add(user)
    session.flush()
    record(session, None, actor, "user_created", f"Benutzer {username} angelegt",
           username=username, roles=user.roles, queues=user.queues)
    return user


def update_user(
    session: Session,
    user: User,
    actor: str,
    roles: Iterable[str] | None = None,
    queues: Iterable[str] | None = None,
    display_name: str | None = None,
    active: bool | None = None,
) -> User:
    before = {"roles": user.roles, "queues": user.queues, "active": user.active,
              "display_name": user.display_name}
    if roles is not None:
        user.roles = check_roles(roles)
    if queues is not None:
        user.queues = sorted({q.strip() for q in queues if q.strip()})
    if display_name:
        user.display_name = display_name.strip()
    if active is not None:
        user.active = active
    after = {"roles": user.roles, "queues": user.queues, "active": user.active,
             "display_name": user.display_name}
    record(session, None, actor, "user_changed", f"Benutzer {user.username} geändert",
           username=user.username, before=before, after=after)
    return user


def set_password(session: Session, user: User, password: str, actor: str) -> None:
    user.password_hash = hash_password(password)
    end_sessions(user)
    record(session, None, actor, "password_changed", f"Passwort von {user.username} geändert",
           username=user.username)


def end_sessions(user: User) -> None:
    """Every session of ``user`` opened so far stops working at its next request."""
    user.session_epoch = (user.session_epoch or 0) + 1


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's password (no login side effects)."""
    try:
        return _verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this password, or None (same work either way)."""
    user = get_user(session, username.strip())
    stored = user.password_hash if user is not None and user.active else _DUMMY_HASH
    try:
        _verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hash(password)
    user.last_login_at = utcnow()
    return user


def ensure_first_admin(session: Session, password: str | None) -> str | None:
    """When no user exists yet, create ``admin`` (role admin, all queues, Eingangsservice).

    Uses ``password`` (EINGANG_ADMIN_PASSWORD) or else a random one-time password, which is
    returned so the caller can show it once. Returns None when users already exist.
    """
    import secrets

    if session.scalar(select(User.id).limit(1)) is not None:
        return None
    chosen = password or secrets.token_urlsafe(12)
    create_user(session, "admin", chosen, ["admin", "eingangsservice"], [ALL_QUEUES],
                "Administration", actor="system:bootstrap")
    return chosen
