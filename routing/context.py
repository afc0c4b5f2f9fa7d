"""What matchers look at: the input, the classifier's output and the decision so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from routing.types import RoutingConfig, RoutingDecision, RoutingInput

# Fallbacks when the classifier's facts carry no age or amounts: plain German phrasings.
_AGE = re.compile(
    r"\b(?:ich\s+bin|bin\s+jetzt|bin\s+schon|ist|wird|werde|alter\s*:?)\s+(\d{2,3})\s*(?:jahre\b|j\.)"
    r"|\b(\d{2,3})\s*(?:jahre\s+alt|-?jährige?r?\b)",
    re.IGNORECASE,
)
_AMOUNT = re.compile(r"(\d{1,3}(?:\.\d{3})*(?:,\d{1,2})?|\d+(?:,\d{1,2})?)\s*(?:€|euro\b|eur\b)", re.I)


def _numbers(value: Any) -> list[float]:
    """Facts may hold one number, a list of numbers or numeric strings ("1.234,50")."""
    values = value if isinstance(value, list | tuple) else [value]
    out: list[float] = []
    for v in values:
        if isinstance(v, bool) or v is None:
            continue
        if isinstance(v, int | float):
            out.append(float(v))
            continue
        if isinstance(v, dict):
            v = v.get("value", v.get("amount"))
            out.extend(_numbers(v))
            continue
        text = str(v).replace("€", "").strip().replace(".", "").replace(",", ".")
        try:
            out.append(float(text))
        except ValueError:
            continue
    return out


@dataclass
class Context:
    inp: RoutingInput
    config: RoutingConfig
    decision: RoutingDecision
    queue_set: bool = False  # has a rule set the queue yet?
    follow_up_set: bool = False
    current_rule: str | None = None  # the rule whose actions are being applied
    queue_rule: str | None = None  # the rule that set the queue last: the deciding rule
    follow_up_rule: str | None = None
    _cache: dict[str, Any] = field(default_factory=dict)

    @property
    def classification(self) -> dict[str, Any]:
        return self.inp.classification

    @property
    def known_queue(self) -> str | None:
        """The office that holds the case, where the worker found one."""
        return (self.inp.known_case or {}).get("queue")

    @property
    def facts(self) -> dict[str, Any]:
        return self.inp.classification.get("facts") or {}

    @cached_property
    def subject_lower(self) -> str:
        return (self.inp.subject or "").lower()

    @cached_property
    def text_lower(self) -> str:
        return (self.inp.text or "").lower()

    @cached_property
    def both_lower(self) -> str:
        return f"{self.subject_lower}\n{self.text_lower}"

    def field_text(self, where: str, lower: bool = True) -> str:
        if lower:
            return {"subject": self.subject_lower, "text": self.text_lower}.get(where, self.both_lower)
        raw = {"subject": self.inp.subject or "", "text": self.inp.text or ""}
        return raw.get(where, f"{self.inp.subject or ''}\n{self.inp.text or ''}")

    @cached_property
    def ages(self) -> list[float]:
        for key in ("age", "alter", "ages"):
            if key in self.facts:
                return _numbers(self.facts[key])
        found = [int(a or b) for a, b in _AGE.findall(self.both_lower)]
        return [float(a) for a in found if 0 < a < 120]

    @cached_property
    def amounts(self) -> list[float]:
        for key in ("amount", "amounts", "betrag", "betraege"):
            if key in self.facts:
                return _numbers(self.facts[key])
        return _numbers(list(_AMOUNT.findall(self.inp.text or "")))

    @cached_property
    def postcodes(self) -> list[str]:
        value = self.facts.get("postcode")
        if value is None or isinstance(value, bool):  # a fact of another shape: no postcode
            return []
        return [str(p) for p in (value if isinstance(value, list | tuple) else [value])]
