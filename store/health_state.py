"""What running parts report about themselves, for ``/health``, ``/metrics`` and the console.

One row per (kind, name) in ``component_status``, written by the part itself: a mailbox poller
after every poll or failure, the scan folder watcher after every pass, each worker process as
a heartbeat. Any other part may report here too (e.g. a connector that could not enqueue):
``report(session, "intake", "enqueue", "fail", "…")``. The table lives in the database because
in production these parts are separate processes, often on separate machines.

``detail`` is read by operators: German, short, and never personal data (no addresses, names
or subjects; a mailbox's configured name is fine).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store.models import ComponentStatus, utcnow

OK, WARN, FAIL = "ok", "warn", "fail"
LEVELS = (OK, WARN, FAIL)

MAILBOX, SCAN, WORKER = "mailbox", "scan", "worker"


@dataclass(frozen=True)
class Reported:
    kind: str
    name: str
    status: str
    detail: str | None
    last_ok_at: datetime | None
    last_error_at: datetime | None
    updated_at: datetime


def report(session: Session, kind: str, name: str, status: str, detail: str | None = None,
           *, now: datetime | None = None) -> None:
    """Record the state of ``kind``/``name`` as it is now (ok: a success, else a problem)."""
    if status not in LEVELS:
        raise ValueError(f"unknown health status {status!r}")
    now = now or utcnow()
    values = {"kind": kind, "name": name[:200], "status": status, "detail": detail,
              "updated_at": now}
    changed = dict(values)
    del changed["kind"], changed["name"]
    if status == OK:
        values["last_ok_at"] = changed["last_ok_at"] = now
    else:
        values["last_error_at"] = changed["last_error_at"] = now
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = insert(ComponentStatus).values(**values)
    session.execute(stmt.on_conflict_do_update(index_elements=["kind", "name"], set_=changed))


def forget(session: Session, kind: str, name: str) -> None:
    """A part that ends cleanly (a worker process stopping) leaves no stale heartbeat."""
    session.execute(delete(ComponentStatus).where(
        ComponentStatus.kind == kind, ComponentStatus.name == name))


def reported(session: Session, kind: str | None = None) -> list[Reported]:
    stmt = select(ComponentStatus).order_by(ComponentStatus.kind, ComponentStatus.name)
    if kind is not None:
        stmt = stmt.where(ComponentStatus.kind == kind)
    return [Reported(r.kind, r.name, r.status, r.detail, r.last_ok_at, r.last_error_at,
                     r.updated_at) for r in session.scalars(stmt)]
