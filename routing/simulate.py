"""Simulation: route the same inputs with two rule sets and report what would change.

Pure: the caller streams the inputs (stored items or a file of requests); nothing is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from routing.engine import Router
from routing.types import RoutingInput


@dataclass(frozen=True)
class Change:
    key: Any  # item id or request id
    label: str  # reference or subject, for people
    before_queue: str
    after_queue: str
    before_action: str
    after_action: str
    deciding_rule: str | None  # in the draft
    # The text to the citizen, where the draft changes it (else both None).
    before_text: str | None = None
    after_text: str | None = None

    def describe(self) -> str:
        parts = []
        if self.before_queue != self.after_queue:
            parts.append(f"{self.before_queue} → {self.after_queue}")
        if self.before_action != self.after_action:
            parts.append(f"{self.before_action} → {self.after_action}")
        if self.before_text != self.after_text:
            parts.append("Text an die Bürgerin/den Bürger geändert")
        rule = f" (Regel „{self.deciding_rule}“)" if self.deciding_rule else ""
        return f"{self.label}: {', '.join(parts)}{rule}"


@dataclass
class SimulationReport:
    total: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "before": dict(self.before),
            "after": dict(self.after),
            "changed": [c.__dict__ for c in self.changes],
        }

    def to_text(self, max_changes: int = 200) -> str:
        lines = [f"{self.total} Vorgänge geprüft, {len(self.changes)} würden sich ändern.", ""]
        lines.append(f"{'Warteschlange':<22}{'vorher':>8}{'nachher':>9}{'Differenz':>11}")
        for queue in sorted(set(self.before) | set(self.after)):
            b, a = self.before[queue], self.after[queue]
            lines.append(f"{queue:<22}{b:>8}{a:>9}{a - b:>+11}")
        if self.changes:
            lines += ["", "Geänderte Vorgänge:"]
            lines += [f"  {c.describe()}" for c in self.changes[:max_changes]]
            if len(self.changes) > max_changes:
                lines.append(f"  … und {len(self.changes) - max_changes} weitere")
        return "\n".join(lines)


def simulate(
    inputs: Iterable[tuple[Any, str, RoutingInput]], before: Router, after: Router
) -> SimulationReport:
    """``inputs``: (key, label, input). Every input is routed by both rule sets."""
    report = SimulationReport()
    for key, label, inp in inputs:
        old = before.route(inp)
        new = after.route(inp)
        report.total += 1
        report.before[old.queue] += 1
        report.after[new.queue] += 1
        text_changed = (old.reply_text or None) != (new.reply_text or None)
        if (old.queue, old.action) != (new.queue, new.action) or text_changed:
            report.changes.append(
                Change(key, label, old.queue, new.queue, old.action, new.action, new.deciding_rule,
                       old.reply_text if text_changed else None, new.reply_text if text_changed else None)
            )
    return report
