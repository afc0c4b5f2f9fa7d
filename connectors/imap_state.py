"""Per-mailbox bookkeeping in the database: UIDVALIDITY + last UID, and a lease.

The lease makes sure one mailbox is read by only one poller at a time, across processes and
machines. It is a row update guarded by its own WHERE clause, which is atomic on PostgreSQL
and SQLite alike; an owner that dies simply lets its lease run out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from store.models import MailboxState


class LeaseLost(RuntimeError):
    """Another poller took over the mailbox (ours ran out while we were stalled)."""


@dataclass(frozen=True)
class Bookmark:
    uidvalidity: int | None
    last_uid: int


def _now() -> datetime:
    return datetime.now(UTC)


def ensure_row(session_factory, name: str) -> None:  # type: ignore[no-untyped-def]
    with session_factory() as session:
        if session.get(MailboxState, name) is not None:
            return
    try:
        with session_factory() as session:
            session.add(MailboxState(name=name, last_uid=0))
    except IntegrityError:
        pass  # another process created it at the same moment


def claim(session: Session, name: str, owner: str, seconds: float) -> bool:
    """Take or renew the lease; False when another live owner holds it."""
    now = _now()
    result = session.execute(
        update(MailboxState)
        .where(
            MailboxState.name == name,
            or_(
                MailboxState.lease_owner.is_(None),
                MailboxState.lease_owner == owner,
                MailboxState.lease_until < now,
            ),
        )
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def release(session: Session, name: str, owner: str) -> None:
    session.execute(
        update(MailboxState)
        .where(MailboxState.name == name, MailboxState.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )


def bookmark(session: Session, name: str) -> Bookmark:
    row = session.scalars(select(MailboxState).where(MailboxState.name == name)).one()
    return Bookmark(uidvalidity=row.uidvalidity, last_uid=row.last_uid or 0)


def advance(session: Session, name: str, owner: str, uidvalidity: int, last_uid: int) -> None:
    """Record progress; only the lease owner may, so a stalled poller cannot rewind it."""
    result = session.execute(
        update(MailboxState)
        .where(MailboxState.name == name, MailboxState.lease_owner == owner)
        .values(uidvalidity=uidvalidity, last_uid=last_uid, updated_at=_now())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise LeaseLost(name)
