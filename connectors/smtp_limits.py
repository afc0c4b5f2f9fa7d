"""How many messages one client address may send per minute, across all SMTP processes.

In production several ``eingang smtp`` processes (behind one MX or load balancer) share the
limit through the store they already have: Redis when the broker is Redis, else PostgreSQL
(one upserted counter row per address and minute). Embedded mode (SQLite, one process) counts
in memory. The shared counters use fixed calendar minutes; the in-memory one a sliding minute.
If the shared store cannot be reached, mail is let through (the limit protects against floods,
it must not make a storage hiccup refuse citizens' mail) and a warning is logged.

The connection cap (``smtp_max_connections``) stays per process on purpose: it protects that
process's memory and file descriptors, which a global count cannot do (one process could be
full while another idles), and a crashed process would leave a shared counter wrong.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from typing import Protocol

from store.settings import Settings

log = logging.getLogger(__name__)

WARN_EVERY = 60.0  # seconds between warnings about an unreachable shared store


class RateLimiter(Protocol):
    shared: bool  # True: ``allow`` does I/O and must run outside the event loop

    def allow(self, client: str) -> bool: ...


class LocalRateLimiter:
    """Messages per client address in a sliding minute, in this process only."""

    shared = False

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, client: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        window = self.seen[client]
        while window and window[0] < now - 60:
            window.popleft()
        if len(window) >= self.per_minute:
            return False
        window.append(now)
        if len(self.seen) > 10_000:  # forget idle clients
            for key in [k for k, v in self.seen.items() if not v]:
                del self.seen[key]
        return True


class _SharedRateLimiter:
    shared = True
    store = ""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._warned_at = 0.0

    def allow(self, client: str) -> bool:
        try:
            return self.count(client) <= self.per_minute
        except Exception as exc:  # fail open: see the module docstring
            if time.monotonic() - self._warned_at > WARN_EVERY:
                self._warned_at = time.monotonic()
                log.warning("SMTP rate limit: %s not reachable (%s); not limiting", self.store, exc)
            return True

    def count(self, client: str) -> int:
        raise NotImplementedError


class RedisRateLimiter(_SharedRateLimiter):
    store = "Redis"

    def __init__(self, per_minute: int, url: str, namespace: str) -> None:
        import redis

        super().__init__(per_minute)
        self.redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=2.0)
        self.prefix = f"{namespace}:smtp-rate:"

    def count(self, client: str) -> int:
        key = f"{self.prefix}{client}:{int(time.time() // 60)}"
        pipe = self.redis.pipeline()  # MULTI/EXEC: increment and expiry together
        pipe.incr(key)
        pipe.expire(key, 120)
        count, _ = pipe.execute()
        return int(count)


class DatabaseRateLimiter(_SharedRateLimiter):
    store = "PostgreSQL"
    CLEAN_EVERY = 60.0

    def __init__(self, per_minute: int, settings: Settings) -> None:
        super().__init__(per_minute)
        self.settings = settings
        self._cleaned_at = 0.0

    def count(self, client: str) -> int:
        from sqlalchemy import delete, func, text
        from sqlalchemy.dialects.postgresql import insert

        from store.db import session_scope
        from store.models import SmtpRateWindow

        minute = func.date_trunc("minute", func.now())
        upsert = (
            insert(SmtpRateWindow)
            .values(client=client, window_start=minute, count=1)
            .on_conflict_do_update(
                index_elements=[SmtpRateWindow.client, SmtpRateWindow.window_start],
                set_={"count": SmtpRateWindow.count + 1},
            )
            .returning(SmtpRateWindow.count)
        )
        with session_scope(self.settings) as session:
            count = session.execute(upsert).scalar_one()
            if time.monotonic() - self._cleaned_at > self.CLEAN_EVERY:
                self._cleaned_at = time.monotonic()
                session.execute(delete(SmtpRateWindow).where(
                    SmtpRateWindow.window_start < func.now() - text("interval '2 minutes'")
                ))
        return int(count)


def make_rate_limiter(settings: Settings) -> RateLimiter:
    """Shared through Redis or PostgreSQL where production has them, else in memory."""
    per_minute = settings.smtp_rate_per_minute
    if per_minute > 0 and settings.broker_url.startswith(("redis://", "rediss://")):
        return RedisRateLimiter(per_minute, settings.broker_url, settings.broker_namespace)
    if per_minute > 0 and settings.sqlalchemy_url.startswith("postgresql"):
        return DatabaseRateLimiter(per_minute, settings)
    return LocalRateLimiter(per_minute)
