"""Baseline keyword classifier (issue 2): good enough to route obvious requests.

Clearly a baseline: the statistical classifier of issue 5 replaces it. Keywords live in
``keywords.yaml`` so they can be changed without code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from classifier.facts import extract_facts
from classifier.types import Classification, ClassifyRequest, UrgentReason

_DEFAULT = Path(__file__).with_name("keywords.yaml")


@dataclass
class KeywordClassifier:
    queues: dict[str, list[str]]
    referrals: dict[str, str]
    intents: dict[str, list[str]]
    urgent: dict[str, list[str]]
    min_hits: int = 1

    @classmethod
    def load(cls, path: Path | None = None) -> KeywordClassifier:
        data = yaml.safe_load((path or _DEFAULT).read_text(encoding="utf-8"))
        return cls(data["queues"], data["referrals"], data["intents"], data["urgent"])

    def classify(self, request: ClassifyRequest) -> Classification:
        text = f"{request.subject}\n{request.text}".lower()
        hits = {q: [w for w in words if w in text] for q, words in self.queues.items()}
        scores = {q: float(len(h)) for q, h in hits.items()}
        total = sum(scores.values())
        best = max(scores, key=lambda q: scores[q]) if total else "clearing"
        ties = [q for q, s in scores.items() if s == scores.get(best, 0) and s > 0]
        abstained = not total or len(ties) > 1
        queue = "clearing" if abstained else best
        confidence = 0.0 if abstained else scores[best] / total
        reasons = [f"Stichwort „{w}“ → {q}" for q, ws in hits.items() for w in ws]
        if abstained:
            reasons.append("Keine eindeutigen Stichwörter: an die Clearing-Stelle.")
        referral = None
        if queue == "extern":
            referral = next((b for w, b in self.referrals.items() if w in text), None)
        intent = next(
            (i for i, words in self.intents.items() if any(w in text for w in words)), "auskunft"
        )
        urgent = [
            UrgentReason(kind=kind, label="Notlage" if kind == "notlage" else "Frist", trigger=w)
            for kind, words in self.urgent.items()
            for w in words
            if w in text
        ]
        return Classification(
            queue=queue,
            confidence=confidence,
            intent=intent,
            urgent=bool(urgent),
            queue_scores={q: (s / total if total else 0.0) for q, s in scores.items()},
            intent_confidence=0.5,
            urgent_reasons=urgent,
            referral_to=referral,
            facts=extract_facts(f"{request.subject}\n{request.text}"),
            reasons=reasons,
            abstained=abstained,
        )
