"""Plain data types of the router's input and output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ACTIONS = ("auto_process", "offer_appointment", "clearing", "refer")

# Leistungsform of each Fachamt queue (domain.md: Weiterbearbeitung).
LEISTUNGSFORM = {
    "jobcenter": "transfer",
    "sozialamt": "transfer",
    "wohngeld": "transfer",
    "eingliederungshilfe": "transfer_beratung",
    "schuldnerberatung": "sozialintegrativ",
    "suchtberatung": "sozialintegrativ",
}


@dataclass(frozen=True)
class RoutingConfig:
    postcodes: frozenset[str]
    kommune_name: str = "Stadt Oldenburg (Oldb)"
    min_confidence: float = 0.5


@dataclass(frozen=True)
class RoutingInput:
    channel: str
    subject: str
    text: str
    classification: dict[str, Any]  # classifier.Classification.to_dict()
    mailbox: str | None = None
    sender: str | None = None


@dataclass
class RoutingDecision:
    queue: str
    action: str  # one of ACTIONS
    intent: str | None = None
    urgent: bool = False
    referral_to: str | None = None
    leistungsform: str | None = None
    priority: int = 0
    tags: list[str] = field(default_factory=list)
    matched_rules: list[str] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)  # German, in order of evaluation

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
