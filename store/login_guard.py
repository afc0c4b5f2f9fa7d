"""Slow down and lock out password guessing, across all web processes (the counts come from
the audit trail, which every process writes).

After ``slow_after`` failed logins for one user name in the window each further attempt waits
a little longer; after ``max_failures`` the name is locked until the window has passed (a
successful login resets the count). One address trying many names is locked after
``max_failures_per_ip``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.models import AuditEvent, utcnow


@dataclass(frozen=True)
class Verdict:
    locked: bool
    delay: float  # seconds to wait before answering


def _count(session: Session, since: datetime, **where: str) -> int:
    stmt = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed", AuditEvent.at >= since
    )
    for column, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, column) == value)
    return session.scalar(stmt) or 0


def check(session: Session, username: str, ip: str | None, *, window_minutes: int,
          max_failures: int, max_failures_per_ip: int, slow_after: int = 3,
          now: datetime | None = None) -> Verdict:
    now = now or utcnow()
    since = now - timedelta(minutes=window_minutes)
    target = f"user:{username[:120]}"
    last_success = session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.action == "login", AuditEvent.target == target)
    )
    by_name = _count(session, max(since, last_success) if last_success else since, target=target)
    by_ip = _count(session, since, ip=ip) if ip else 0
    if by_name >= max_failures or by_ip >= max_failures_per_ip:
        return Verdict(locked=True, delay=0.0)
    return Verdict(locked=False, delay=min(max(by_name - slow_after + 1, 0) * 0.5, 3.0))
