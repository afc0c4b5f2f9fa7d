"""Plain data types of the router's input and output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from domain import FOLLOW_UPS, LEISTUNGSFORMEN, Catalogue, default_catalogue

ACTIONS = FOLLOW_UPS
__all__ = ["ACTIONS", "LEISTUNGSFORMEN", "RoutingConfig", "RoutingDecision", "RoutingInput"]


@dataclass(frozen=True)
class RoutingConfig:
    postcodes: frozenset[str]
    kommune_name: str = "Stadt Oldenburg (Oldb)"
    min_confidence: float = 0.5
    # Regelaltersgrenze (SGB XII § 41): from here on Grundsicherung im Alter, not Bürgergeld.
    regelaltersgrenze: int = 67
    # Admin regexes run under this limit (seconds) so one bad pattern cannot stall the worker.
    regex_timeout: float = 0.05
    # The offices (queues) rules may name, their Leistungsform and default follow-up.
    catalogue: Catalogue = field(default_factory=default_catalogue)


@dataclass(frozen=True)
class RoutingInput:
    channel: str
    subject: str
    text: str
    classification: dict[str, Any]  # classifier.Classification.to_dict()
    mailbox: str | None = None
    sender: str | None = None
    # What the office already knows (worker.known_case, looked up before routing):
    # {"queue": holding office or None, "basis": identifier|sender, "reference", "reason"}.
    known_case: dict[str, Any] | None = None
    # The public form's guided answers (admin.guide): who, age, work, topic, emergency and the
    # office they pointed to ("suggested_office"); None for every other channel.
    form_answers: dict[str, Any] | None = None


@dataclass
class RuleTrace:
    """One rule's evaluation: hit or miss, why, and what it did."""

    rule: str
    hit: bool
    why: str
    actions: list[str] = field(default_factory=list)  # German, what the rule changed
    stopped: bool = False


@dataclass
class RoutingDecision:
    queue: str
    action: str  # one of ACTIONS
    intent: str | None = None
    urgent: bool = False
    # Urgent by the classifier's guess alone ("vielleicht dringend"), never without ``urgent``
    # (run_chain sets both, a rule marking the item urgent clears it).
    urgent_guessed: bool = False
    referral_to: str | None = None
    leistungsform: str | None = None
    priority: int = 0
    tags: list[str] = field(default_factory=list)
    matched_rules: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)  # German, in order of evaluation
    # The rule that set the final queue (or stopped the chain); None when the fallback decided.
    deciding_rule: str | None = None
    # What the classifier contributed (queue, confidence, intent, its reasons).
    classifier: dict[str, Any] = field(default_factory=dict)
    # Every rule's hit/miss with why (RuleTrace as dicts), in order of evaluation.
    trace: list[dict[str, Any]] = field(default_factory=list)
    rule_set: str | None = None  # name/version of the rule set that decided
    reply_text: str | None = None  # German text for the citizen (e.g. where to go on referral)
    deadline_days: int | None = None  # a processing deadline from receipt (e.g. § 14 SGB IX)
    # The known case handed in (RoutingInput.known_case), kept for display and simulation;
    # ``known_case_decided``: a rule routed by it.
    known_case: dict[str, Any] | None = None
    known_case_decided: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
