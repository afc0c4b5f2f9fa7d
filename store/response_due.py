"""The response targets the database times items by (``response_targets``, migration 0027).

A trigger sets ``items.due_at`` (receipt + the office's target, while nobody has acted and the
item is open) from that table on every insert and every change of receipt time, office, status
or first action. This module keeps the table equal to what the inbox's clock uses (the
catalogue's targets per office, the house default ``EINGANG_DEFAULT_RESPONSE_TARGET_HOURS``)
and, where a target changed, re-times the running items of those offices in the same
transaction: it touches their ``received_at`` (unchanged), which fires the trigger, so the
moment is computed in one place only. Called when an office is saved or the catalogue
imported, at every start (the default may have changed), and once per catalogue revision by
the inbox (admin.inbox.clock_for), so a stale table cannot outlive one look at the inbox.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from sqlalchemy import delete, event, or_, select, update
from sqlalchemy.orm import Session

from store.models import Item, ResponseTarget

DEFAULT = ""  # the row of the house default
# The trigger's own fallback while the table is empty (migration 0027's FALLBACK_SECONDS).
FALLBACK_SECONDS = 48 * 3600

_lock = threading.Lock()
_checked: set[tuple[str, object]] = set()  # (database URL, targets) this process has compared


def wanted(targets: Mapping[str, float], default_hours: float) -> dict[str, int]:
    """The table's rows for office targets in hours (offices without one are left out)."""
    rows = {key: round(hours * 3600) for key, hours in targets.items() if hours}
    rows[DEFAULT] = round(default_hours * 3600)
    return rows


def sync(session: Session, targets: Mapping[str, float], default_hours: float) -> int:
    """Make the table hold ``targets`` (office → hours) and ``default_hours``; re-time the
    running items whose office's target changed. Returns how many items were re-timed."""
    want = wanted(targets, default_hours)
    have = dict(session.execute(select(ResponseTarget.queue, ResponseTarget.seconds)).all())
    if have == want:
        return 0

    def effective(rows: Mapping[str, int], queue: str) -> int:  # as the trigger looks it up
        return rows.get(queue, rows.get(DEFAULT, FALLBACK_SECONDS))

    named = (set(have) | set(want)) - {DEFAULT}
    changed = sorted(q for q in named if effective(have, q) != effective(want, q))
    default_changed = effective(have, DEFAULT) != effective(want, DEFAULT)
    _write(session, want)
    which = [Item.queue.in_(changed)] if changed else []
    if default_changed:  # offices without a target of their own, and items not routed yet
        which.append(or_(Item.queue.is_(None), Item.queue.not_in(sorted(named))))
    if not which:
        return 0
    # Assigning received_at to itself fires the trigger (UPDATE OF received_at), which reads
    # the new targets; items whose clock does not run keep due_at NULL.
    result = session.execute(update(Item).where(Item.due_at.is_not(None), or_(*which))
                             .values(received_at=Item.received_at)
                             .execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _write(session: Session, want: Mapping[str, int]) -> None:
    # An upsert, not delete + insert: two processes putting the same change right at the same
    # moment must not collide on the key.
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(delete(ResponseTarget).where(ResponseTarget.queue.not_in(sorted(want))))
    stmt = insert(ResponseTarget).values([{"queue": q, "seconds": s} for q, s in sorted(want.items())])
    session.execute(stmt.on_conflict_do_update(index_elements=[ResponseTarget.queue],
                                               set_={"seconds": stmt.excluded.seconds}))


def sync_once(session: Session, url: str, targets: Mapping[str, float], default_hours: float) -> None:
    """``sync`` the first time this process sees these targets for this database."""
    key = (url, (tuple(sorted(targets.items())), default_hours))
    if key in _checked:
        return
    sync(session, targets, default_hours)

    def checked(_session: Session) -> None:  # only once it is committed
        with _lock:
            _checked.add(key)

    event.listen(session, "after_commit", checked, once=True)
