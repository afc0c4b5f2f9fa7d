"""SMTP AUTH (PLAIN/LOGIN) for the town hall's relay: argon2id hashes in the settings, never passwords.

``smtp_auth_users`` holds ``user:$argon2id$…`` entries separated by whitespace or newlines (a hash
contains commas); ``eingang smtp-password USER`` prints such an entry. Verification costs tens of
milliseconds of CPU, so it runs in a thread, not in the event loop; a verified password is
remembered as an HMAC under a per-process key, so a relay opening many connections pays once.
Repeated failures from one address are refused without checking (password guessing).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque

from aiosmtpd.smtp import AuthResult, LoginPassword
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MAX_FAILURES = 10  # per client address within FAILURE_WINDOW seconds
FAILURE_WINDOW = 15 * 60.0
LOCKED = "454 4.7.0 Zu viele fehlgeschlagene Anmeldungen, bitte später erneut versuchen"

_hasher = PasswordHasher()


class SmtpAuthConfigError(ValueError):
    """``smtp_auth_users`` is not a list of ``user:argon2-hash`` entries."""


def parse_users(value: str) -> dict[str, str]:
    """``user → argon2 hash``; a plain password or a malformed entry is a configuration error."""
    users: dict[str, str] = {}
    for entry in value.split():
        user, sep, hashed = entry.partition(":")
        if not sep or not user or not hashed.startswith("$argon2"):
            raise SmtpAuthConfigError(
                f"EINGANG_SMTP_AUTH_USERS: Eintrag für „{user or entry[:20]}“ ist kein "
                "Argon2-Hash. Mit `eingang smtp-password BENUTZER` erzeugen."
            )
        users[user] = hashed
    return users


def hash_entry(user: str, password: str) -> str:
    """The settings entry for ``user`` (what ``eingang smtp-password`` prints)."""
    from store.users import hash_password  # same hasher and minimum length as staff passwords

    if not user or ":" in user or any(c.isspace() for c in user):
        raise ValueError("Der Benutzername darf weder Leerzeichen noch „:“ enthalten.")
    return f"{user}:{hash_password(password)}"


class Authenticator:
    """aiosmtpd authenticator (called in a worker thread, see ``DeferredAuthSMTP``)."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = users
        self._dummy = _hasher.hash(secrets.token_hex(16))  # same cost for unknown users
        self._key = secrets.token_bytes(32)
        self._verified: dict[str, bytes] = {}
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:  # type: ignore[no-untyped-def]
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        peer = session.peer[0] if isinstance(session.peer, tuple) else str(session.peer)
        if self._locked(peer):
            return AuthResult(success=False, handled=False, message=LOCKED)
        user = auth_data.login.decode("utf-8", "replace")
        if self.verify(user, auth_data.password):
            return AuthResult(success=True, handled=False, auth_data=user)
        self._fail(peer)
        return AuthResult(success=False, handled=False)

    def verify(self, user: str, password: bytes) -> bool:
        token = hmac.new(self._key, user.encode() + b"\0" + password, hashlib.sha256).digest()
        with self._lock:
            known = self._verified.get(user)
        if known is not None and hmac.compare_digest(known, token):
            return True
        hashed = self.users.get(user)
        try:
            _hasher.verify(hashed or self._dummy, password)
        except (VerificationError, InvalidHashError):
            return False
        if hashed is None:
            return False
        with self._lock:
            self._verified[user] = token  # the latest good password only
        return True

    def _locked(self, peer: str) -> bool:
        with self._lock:
            window = self._failures.get(peer)
            if not window:
                return False
            while window and window[0] < time.monotonic() - FAILURE_WINDOW:
                window.popleft()
            return len(window) >= MAX_FAILURES

    def _fail(self, peer: str) -> None:
        with self._lock:
            self._failures[peer].append(time.monotonic())
            if len(self._failures) > 10_000:  # forget addresses quiet for a whole window
                cutoff = time.monotonic() - FAILURE_WINDOW
                for key in [k for k, v in self._failures.items() if not v or v[-1] < cutoff]:
                    del self._failures[key]
