"""The response clock: how long an item has left until its office's response-time target.

The target (``domain.Office.response_target_hours``, else the house default) runs from the
legal receipt time to the first action of a person (``items.first_action_at``, stamped by
``store.events``); a closed item or one a person has acted on has no clock. The inbox shows the
time left, sorts and filters by it; the same moment is computed in SQL (epoch seconds, whole
seconds so a keyset cursor compares exactly) and in Python (the text).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, func, literal

from domain import Catalogue
from store.enums import Status
from store.models import Item

# The sort key of items without a running clock: after every item with one.
NO_CLOCK = 10**15


@dataclass(frozen=True)
class Clock:
    """The targets of one catalogue, as the inbox's queries and rows need them."""

    targets: dict[str, float]  # office key → hours (offices with a target of their own)
    default_hours: float
    now: datetime
    offices: tuple[str, ...] = ()  # every office of the catalogue (inactive ones too)

    @classmethod
    def of(cls, catalogue: Catalogue, default_hours: float, now: datetime) -> Clock:
        return cls({o.key: float(o.response_target_hours) for o in catalogue.offices
                    if o.response_target_hours}, float(default_hours), now,
                   tuple(o.key for o in catalogue.offices))

    def hours(self, queue: str | None) -> float:
        return self.targets.get(queue or "", self.default_hours)

    def due(self, row: Any) -> datetime | None:
        """When the first action is due; None where no clock runs (done, or acted on)."""
        if row.status in (Status.DONE.value, Status.JOINED.value) or row.first_action_at is not None:
            return None
        return row.received_at + timedelta(hours=self.hours(row.queue))

    def left(self, row: Any) -> TimeLeft | None:
        due = self.due(row)
        return None if due is None else TimeLeft(due, self.now, self.hours(row.queue))

    # --- the same in SQL ------------------------------------------------------------------

    def running(self):  # type: ignore[no-untyped-def]
        return and_(Item.first_action_at.is_(None), Item.status != Status.DONE.value)

    def due_seconds(self, dialect: str):  # type: ignore[no-untyped-def]
        """Epoch seconds of the due moment (receipt + the office's target)."""
        if dialect == "postgresql":  # numeric: exact to the microsecond, so keys compare exactly
            received = func.extract("epoch", Item.received_at)
        else:  # SQLite keeps UTC without offset; julianday counts days since 4714 BC
            received = cast((func.julianday(Item.received_at) - 2440587.5) * 86400.0, Integer)
        default = literal(int(self.default_hours * 3600))
        if self.targets:
            target = case({k: int(h * 3600) for k, h in self.targets.items()}, value=Item.queue,
                          else_=default)
        else:
            target = default
        return received + target

    def groups(self) -> list[tuple[float, Any]]:
        """(target hours, condition) per office and for items not routed yet: within one, the
        due order is the receipt order, which the open items' (queue, received_at) index
        serves. Offices are never deleted from the catalogue (only deactivated), so these
        cover every item; queues named nowhere else fall to the last group."""
        keys = sorted(set(self.offices) | set(self.targets))
        groups = [(self.hours(k), Item.queue == k) for k in keys]
        groups.append((self.default_hours, Item.queue.is_(None)))
        if not keys:
            groups.append((self.default_hours, Item.queue.is_not(None)))
        return groups

    def sort_key(self, dialect: str):  # type: ignore[no-untyped-def]
        return case((self.running(), self.due_seconds(dialect)), else_=literal(NO_CLOCK))

    def epoch(self, moment: datetime) -> int:
        return int(moment.timestamp())


@dataclass(frozen=True)
class TimeLeft:
    due: datetime
    now: datetime
    target_hours: float

    @property
    def overdue(self) -> bool:
        return self.due <= self.now

    @property
    def soon(self) -> bool:
        """Less than a quarter of the target left (at most a working day): shown in amber."""
        return not self.overdue and self.due - self.now <= timedelta(hours=min(self.target_hours / 4, 8))

    @property
    def text(self) -> str:
        """"noch 5 Std.", "noch 2 Tage", "überfällig seit 40 Min.", "überfällig seit 3 Tagen"."""
        span = abs(self.due - self.now)
        minutes = int(span.total_seconds() // 60)
        if minutes < 60:
            amount = f"{max(minutes, 1)} Min."
        elif minutes < 48 * 60:
            amount = f"{minutes // 60} Std."
        else:
            days = minutes // (24 * 60)
            amount = f"{days} {'Tagen' if self.overdue else 'Tage'}"
        return f"überfällig seit {amount}" if self.overdue else f"noch {amount}"

    @property
    def css(self) -> str:
        return "late" if self.overdue else ("soon" if self.soon else "ok")
