"""Slow down and lock out password guessing, across all web processes (the counts come from
the audit trail, which every process writes).

After ``slow_after`` failed logins for one user name in the window each further attempt waits
a little longer; after ``max_failures`` the name is locked until the window has passed (a
successful login resets the count). One address trying many names is locked after
``max_failures_per_ip``.

Counting is atomic: :func:`claim` takes a lock, counts and records the attempt
(``login.attempt``) in one transaction *before* the password is checked, so parallel guesses
each see the ones before them and no more than the limits ever reach the password check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from store import audit
from store.models import AuditEvent, utcnow

_LOCK_KEY = 0x6C6F_6769  # "logi"


@dataclass(frozen=True)
class Verdict:
    locked: bool
    delay: float  # seconds to wait before answering


def normalize(username: str) -> str:
    """The one form of a user name that login, lockout and audit all use."""
    return username.strip()[:120]


def _count(session: Session, action: str, since: datetime, **where: str) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.at >= since
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return session.scalar(stmt) or 0


def check(session: Session, username: str, ip: str | None, *, window_minutes: int,
          max_failures: int, max_failures_per_ip: int, slow_after: int = 3,
          now: datetime | None = None) -> Verdict:
    """The verdict for a new attempt, counting every attempt not followed by a success
    (finished failures and those still being checked)."""
    now = now or utcnow()
    since = now - timedelta(minutes=window_minutes)
    target = f"user:{normalize(username)}"
    last_success = session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.action == "login", AuditEvent.target == target)
    )
    by_name = _count(session, "login.attempt", max(since, last_success) if last_success else since,
                     target=target)
    by_ip = 0
    if ip:
        by_ip = (_count(session, "login.attempt", since, ip=ip)
                 - _count(session, "login", since, ip=ip))
    if by_name >= max_failures or by_ip >= max_failures_per_ip:
        return Verdict(locked=True, delay=0.0)
    return Verdict(locked=False, delay=min(max(by_name - slow_after + 1, 0) * 0.5, 3.0))


def claim(session: Session, username: str, ip: str | None, **limits: int) -> Verdict:
    """Check and, unless locked, record this attempt, serialised against every other login
    (PostgreSQL: advisory lock; SQLite: the ``BEGIN IMMEDIATE`` of each transaction).
    The caller commits right away, before checking the password."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
    verdict = check(session, username, ip, **limits)
    if not verdict.locked:
        audit.append(session, "login.attempt", actor="web:anonymous",
                     target=f"user:{normalize(username)}")
    return verdict
