"""The response clock: how long an item has left until its office's response-time target.

The target (``domain.Office.response_target_hours``, else the house default) runs from the
legal receipt time to the first action of a person (``items.first_action_at``, stamped by
``store.events``); a closed item or one a person has acted on has no clock. The inbox shows the
time left (computed here from the row), sorts and filters by it (the moment the database
stores per item, ``items.due_at``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain import Catalogue
from store.enums import Status
from store.models import Item


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
    # The database keeps the due moment itself (items.due_at, migration 0027): set by a trigger
    # from the same targets (store.response_due keeps them equal to this clock's), NULL where
    # no clock runs, and indexed over the running clocks (ix_items_due).

    def running(self):  # type: ignore[no-untyped-def]
        return Item.due_at.is_not(None)

    def due_before(self, moment: datetime):  # type: ignore[no-untyped-def]
        """Items whose first action is due before ``moment`` (only those with a running clock)."""
        return Item.due_at < moment


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
