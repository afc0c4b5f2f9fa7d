"""Plain data types of the classifier's input and output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class ClassifyRequest:
    text: str
    subject: str = ""
    channel: str = "email"  # email | letter | phone | webform
    sender: str = ""
    mailbox_hint: str | None = None  # queue suggested by the receiving mailbox, a hint only
    received_at: datetime | None = None  # for deadlines computed from the receipt


@dataclass
class UrgentReason:
    kind: str  # "notlage" | "frist"
    label: str  # German, shown to staff
    trigger: str  # the words that triggered it
    deadline: str | None = None  # ISO date where a deadline is known
    # Found only by the model's urgency head, from the whole text: a guess staff should check.
    # Rules, deadlines and people decide with certainty; the head is tuned for recall and is
    # right for about one request in four it marks alone.
    by_model: bool = False


@dataclass
class Classification:
    queue: str
    confidence: float
    intent: str
    urgent: bool
    queue_scores: dict[str, float] = field(default_factory=dict)
    intent_confidence: float = 0.0
    urgent_reasons: list[UrgentReason] = field(default_factory=list)
    # Urgent only by the model's guess (every reason ``by_model``): "vielleicht dringend".
    urgent_guessed: bool = False
    referral_to: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)  # German, what drove the decision
    abstained: bool = False
    model_version: str = "baseline-keywords"
    intent_scores: dict[str, float] = field(default_factory=dict)
    language: str | None = None  # ISO 639-1 code of the request's language, None if unclear
    language_name: str | None = None  # German name ("Ukrainisch"), shown when not German

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies every string and number (0.06 against 0.02 ms
        # a result, in a stream of about 2 ms a request). The containers are copied, so the
        # result can be changed freely; their leaves (strings, numbers, dates) are immutable.
        data = {f.name: _copied(getattr(self, f.name)) for f in fields(self)}
        data["urgent_reasons"] = [asdict(reason) for reason in self.urgent_reasons]
        return data


def _copied(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copied(item) for item in value)
    return value
