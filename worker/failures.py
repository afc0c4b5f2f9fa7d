"""Transient or permanent: what a failed step does next.

A step that fails because something around it is briefly missing — a full disk, the database
or the broker unreachable, a timeout — is retried with backoff until it succeeds (the item
keeps its place, its attempts are reset); only a failure of the item itself (unreadable,
a bug it triggers) parks it for staff with the reason.
"""

from __future__ import annotations

import errno

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

TRANSIENT_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.ETIMEDOUT, errno.ECONNREFUSED,
                              errno.ECONNRESET, errno.EHOSTUNREACH, errno.ENETUNREACH,
                              errno.EAGAIN, errno.EMFILE, errno.ENFILE, errno.ENOMEM})
FIRST_DELAY_MS, MAX_DELAY_MS = 5_000, 600_000


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a fault of the surroundings, not of the item."""
    import dramatiq.errors

    # Renamed in dramatiq 2 (the old name warns); both are the broker being away.
    broker_away = getattr(dramatiq.errors, "BrokerConnectionError", None) or dramatiq.errors.ConnectionError
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OperationalError | InterfaceError | DisconnectionError
                      | TimeoutError | ConnectionError | broker_away):
            return True
        if isinstance(current, OSError) and current.errno in TRANSIENT_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def retry_delay_ms(previous: int) -> int:
    """Backoff for the next transient retry: 5 s, 10 s, 20 s … at most 10 minutes."""
    return min(FIRST_DELAY_MS * 2 ** min(previous, 10), MAX_DELAY_MS)
