"""Each worker process says it is alive, for ``/health`` (workers) and ``/metrics``.

A row per process (host:pid and its queues) in ``component_status``, renewed every
``HEARTBEAT_SECONDS`` while its worker threads run; a clean stop removes it. A process killed
hard leaves a row that stops being renewed: health reports it stale, then forgets it.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable

from store import health_state
from store.db import session_scope
from store.settings import Settings

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 15.0


def process_name(queues: list[str] | None) -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{','.join(sorted(queues)) if queues else 'alle'}"


class Heartbeat:
    def __init__(self, settings: Settings, name: str, alive: Callable[[], int]) -> None:
        self.settings = settings
        self.name = name
        self.alive = alive  # number of worker threads still running
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="eingang-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        try:
            with session_scope(self.settings) as session:
                health_state.forget(session, health_state.WORKER, self.name)
        except Exception as exc:  # database gone at shutdown: the row goes stale instead
            log.warning("worker heartbeat not removed (%s)", type(exc).__name__)

    def beat(self) -> None:
        threads = self.alive()
        status = health_state.OK if threads else health_state.FAIL
        detail = f"{threads} Worker-Thread(s) aktiv." if threads else "Keine Worker-Threads aktiv."
        with session_scope(self.settings) as session:
            health_state.report(session, health_state.WORKER, self.name, status, detail)

    def _run(self) -> None:
        while True:
            try:
                self.beat()
            except Exception as exc:  # the database restarting: try again next beat
                log.warning("worker heartbeat not recorded (%s)", type(exc).__name__)
            if self._stop.wait(HEARTBEAT_SECONDS):
                return
