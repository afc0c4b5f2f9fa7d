"""Hand work to the broker without losing time when it is down.

A send that fails (RabbitMQ stopped, network cut) is kept in this process and retried
promptly with backoff — seconds, not the sweeper's ``stale_after`` — until the broker takes
it. While an outage lasts, new sends queue up behind the first failure instead of each trying
(and logging) on its own; the outage is logged once when it starts and once when it ends,
and /health shows it (component "enqueue", one entry per process). The item is safe in the database all along: should this process die
meanwhile, the sweeper still finds it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from store.settings import StorageSettings

log = logging.getLogger(__name__)

MAX_BACKLOG = 100_000  # beyond this the sweeper picks the oldest up (they are in the database)
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 10.0

# pika logs every failed connection attempt as ERROR (thousands a minute in an outage);
# the outage is logged here, once, instead.
logging.getLogger("pika").setLevel(logging.CRITICAL)

_lock = threading.Condition()
_backlog: deque[tuple[Any, tuple[Any, ...]]] = deque()
_outage_since: float | None = None
_thread: threading.Thread | None = None
# Where outages are recorded for /health: set with the broker (worker.broker.configure_broker);
# unset, an outage is only logged.
_health_db: StorageSettings | None = None


def record_outages_in(settings: StorageSettings) -> None:
    global _health_db
    _health_db = settings


def send(actor: Any, *args: Any) -> bool:
    """``actor.send(*args)`` now, or as soon as the broker is back. Never raises.
    Returns whether it went out at once."""
    with _lock:
        if _outage_since is None:
            try:
                actor.send(*args)
                return True
            except Exception as exc:  # noqa: BLE001  (any broker failure: keep and retry)
                _begin_outage(exc)
        if len(_backlog) >= MAX_BACKLOG:
            _backlog.popleft()
        _backlog.append((actor, args))
        _ensure_thread()
        _lock.notify_all()
        return False


def outage() -> float | None:
    """Seconds since sends began to fail in this process, or None."""
    started = _outage_since
    return None if started is None else time.monotonic() - started


def backlog() -> int:
    return len(_backlog)


def _begin_outage(exc: BaseException) -> None:
    global _outage_since
    _outage_since = time.monotonic()
    log.warning("broker unreachable (%s): work is kept and retried every few seconds",
                type(exc).__name__)
    _report("fail", "Der Broker ist nicht erreichbar; Aufträge werden in diesem Prozess "
                    "gehalten und alle paar Sekunden erneut übergeben.")


def _report(status: str, detail: str) -> None:
    """Into the health registry (/health), from a thread of its own: never holds a send up,
    and a database that is down too only costs this entry."""
    import os
    import socket

    settings = _health_db
    if settings is None:
        return

    def write() -> None:
        try:
            from store import health_state
            from store.db import session_scope

            with session_scope(settings) as session:
                health_state.report(session, "enqueue", f"{socket.gethostname()}:{os.getpid()}",
                                    status, detail)
        except Exception:  # noqa: BLE001
            log.debug("enqueue state not recorded", exc_info=True)

    threading.Thread(target=write, name="eingang-enqueue-health", daemon=True).start()


def _ensure_thread() -> None:
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=_retry_loop, name="eingang-enqueue-retry", daemon=True)
        _thread.start()


def _retry_loop() -> None:
    global _outage_since
    backoff = FIRST_BACKOFF
    while True:
        with _lock:
            while not _backlog:
                _lock.wait()
            actor, args = _backlog[0]
        try:
            actor.send(*args)
        except Exception:  # noqa: BLE001  (still down: wait longer, keep the message)
            time.sleep(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = FIRST_BACKOFF
        with _lock:
            if _backlog and _backlog[0][0] is actor and _backlog[0][1] == args:
                _backlog.popleft()
            if not _backlog and _outage_since is not None:
                log.warning("broker reachable again after %.0f s; held work sent",
                            time.monotonic() - _outage_since)
                _outage_since = None
                _report("ok", "Der Broker ist wieder erreichbar; gehaltene Aufträge sind übergeben.")
