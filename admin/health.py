"""What /health (and /healthz) report: the database, the free space where originals are
stored, and whether handing work to the broker is failing (see worker.enqueue)."""

from __future__ import annotations

import shutil
from typing import Any

from sqlalchemy import text

from store.db import get_engine
from store.settings import Settings

# Below this much free space new originals may not fit: reported as degraded.
MIN_FREE_BYTES = 200 * 1024 * 1024


def report(settings: Settings) -> tuple[bool, dict[str, Any]]:
    """(healthy, details); never raises."""
    details: dict[str, Any] = {}
    healthy = True
    try:
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        details["database"] = "ok"
    except Exception:  # noqa: BLE001  (any failure is the answer)
        details["database"] = "nicht erreichbar"
        healthy = False
    try:
        usage = shutil.disk_usage(settings.data_dir)
        details["disk_free_bytes"] = usage.free
        details["disk_free_percent"] = round(100 * usage.free / usage.total, 1) if usage.total else 0.0
        if usage.free < MIN_FREE_BYTES:
            details["disk"] = "fast voll"
            healthy = False
        else:
            details["disk"] = "ok"
    except OSError:
        details["disk"] = "nicht lesbar"
        healthy = False
    from worker import enqueue

    outage = enqueue.outage()
    details["broker"] = "ok" if outage is None else f"nicht erreichbar seit {outage:.0f} s"
    details["enqueue_backlog"] = enqueue.backlog()
    if outage is not None:
        healthy = False
    details["status"] = "ok" if healthy else "gestört"
    return healthy, details
