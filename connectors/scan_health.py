"""A scan folder's state for ``/health``: reported by the watcher after its passes.

A pass runs every few seconds; the state is written when it changes or every
``REPORT_SECONDS``, so the health row doubles as the watcher's heartbeat without a database
write per pass. Files waiting in ``failed/`` make the folder ``warn`` (they need a person).
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from store import health_state
from store.db import session_scope
from store.settings import Settings

log = logging.getLogger(__name__)

REPORT_SECONDS = 30.0


class ScanHealth:
    def __init__(self, settings: Settings, clock=time.monotonic) -> None:  # type: ignore[no-untyped-def]
        self.settings = settings
        self.clock = clock
        self._last: dict[str, tuple[str, str, float]] = {}

    def passed(self, name: str, path: Path) -> None:
        failed = _count(path / "failed")
        waiting = _count(path / "processing")
        if failed:
            status = health_state.WARN
            detail = f"{failed} Datei(en) in „failed“ warten auf eine Prüfung; {waiting} in Arbeit."
        else:
            status, detail = health_state.OK, f"Ordner wird überwacht; {waiting} Datei(en) in Arbeit."
        self._report(name, status, detail)

    def broken(self, name: str, exc: BaseException) -> None:
        self._report(name, health_state.FAIL,
                     f"Der Ordner konnte nicht gelesen werden ({type(exc).__name__}).")

    def _report(self, name: str, status: str, detail: str) -> None:
        now = self.clock()
        last = self._last.get(name)
        if last and last[:2] == (status, detail) and now - last[2] < REPORT_SECONDS:
            return
        try:
            with session_scope(self.settings) as session:
                health_state.report(session, health_state.SCAN, name, status, detail)
            self._last[name] = (status, detail, now)
        except Exception as exc:  # the database away: the watcher goes on regardless
            log.warning("scan folder %s: state not recorded (%s)", name, type(exc).__name__)


def _count(folder: Path) -> int:
    try:
        return sum(1 for p in folder.iterdir()
                   if not p.name.startswith(".") and not p.name.endswith(".grund.txt"))
    except OSError:
        return 0
