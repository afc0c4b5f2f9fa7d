"""Urgency as a decision of its own: a Notlage or Frist with the words that triggered it.

Three sources, each shown to staff with its trigger:

1. Signals (``signals.yaml`` → ``urgent``): emergency and deadline terms in every language the
   admin lists. A hit does not count where its clause says the emergency is over or past
   ("die Sperre ist aufgehoben", "war früher obdachlos"; not where that word is negated itself:
   "die Sperre ist noch nicht aufgehoben") or negates it just before ("keine Räumung"), unless
   the clause still speaks of a threat or a wish ("damit ich nicht obdachlos werde", "bitte
   helfen, damit die Sperre aufgehoben wird").
2. The model's urgency head: emergencies described indirectly ("das Geld kam diesen Monat
   nicht, ich habe nichts mehr") are learnt from the corpus; its trigger is the words it
   weighed most. It is not trusted against a signal hit the rules found to be over. Its
   threshold is set for recall (98 % out of fold), so alone it is right for only about one
   request in four it marks: such a request is "vielleicht dringend" (``only_guessed``), kept
   among the urgent ones for recall but shown apart from them for staff to confirm or dismiss.
3. Every Widerspruch: its deadline runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from classifier.types import UrgentReason

if TYPE_CHECKING:  # signals.py builds the cues; importing it here would be circular
    from classifier.signals import Matcher

DISMISSED = "Nicht dringend gewertet"  # how a dismissed trigger's reason starts
MODEL_LABEL = "Notlage (aus dem Zusammenhang erkannt)"  # the urgency head's reason

# Clause boundaries: punctuation and adversative conjunctions ("…aufgehoben, aber jetzt droht…").
_CLAUSE = re.compile(r"[.!?;:\n,]|\b(?:aber|jedoch|allerdings|doch|trotzdem|but|however)\b")
# A negation right before the trigger (at most one word between): "keine Räumung". Not where
# that word is a preposition: in "die Miete kommt nicht beim Vermieter an, der droht mit
# Kündigung" the "nicht" belongs to the arriving, not to the threat.
_NEGATED = re.compile(r"\b(?:kein\w*|nicht|nie|niemals|no|not|never)\s+"
                      r"(?:(?!(?:an|am|auf|aus|bei|beim|im|in|mit|nach|vom|von|zu|zum|zur|ueber|fuer)\s)\w+\s+)?$")


def only_guessed(reasons: Iterable[UrgentReason | Mapping[str, Any]]) -> bool:
    """True where the urgency rests on the model's guess alone ("vielleicht dringend"): there
    are reasons and each is the urgency head's. ``reasons`` as the classifier gives them or as
    an item stores them (dicts; items stored before ``by_model`` existed carry the head's
    label only)."""
    reasons = list(reasons)
    return bool(reasons) and all(_by_model(r) for r in reasons)


def _by_model(reason: UrgentReason | Mapping[str, Any]) -> bool:
    if isinstance(reason, UrgentReason):
        return reason.by_model
    if not isinstance(reason, Mapping):  # plain text of the oldest items: a rule wrote it
        return False
    return bool(reason.get("by_model", reason.get("label") == MODEL_LABEL))


@dataclass
class UrgencyCues:
    """Admin-editable cues (``signals.yaml`` → ``urgent_over``, ``urgent_still``)."""

    over: list[Matcher] = field(default_factory=list)  # the emergency is over or in the past
    still: list[Matcher] = field(default_factory=list)  # ... yet the clause speaks of a threat

    def cancelled(self, text: str, start: int, end: int) -> str | None:
        """Why the trigger at ``text[start:end]`` does not count, or None if it does."""
        left = max((m.end() for m in _CLAUSE.finditer(text, 0, start)), default=0)
        stop = _CLAUSE.search(text, end)
        clause = text[left : stop.start() if stop else len(text)]
        if any(m.search(clause) for m in self.still):
            return None
        for cue in self.over:
            pos = 0
            while (match := cue.search(clause, pos)) is not None:
                # "die Sperre ist noch nicht aufgehoben" says the emergency is NOT over
                if not _NEGATED.search(clause, 0, match.start()):
                    return cue.shown(match)
                pos = max(match.end(), pos + 1)
        if negation := _NEGATED.search(text, left, start):
            return negation.group(0).strip()
        return None


@dataclass(frozen=True)
class Dismissed:
    """A trigger that was found but does not count, and why (shown to staff)."""

    label: str
    trigger: str
    because: str


def signal_urgency(urgent: dict[str, dict[str, list[Matcher]]], cues: UrgencyCues,
                   text: str) -> tuple[list[UrgentReason], list[Dismissed]]:
    """Per urgency label, its first occurrence that counts; the dismissed ones beside.
    ``text`` is the loose form the signals were compiled to."""
    found: list[UrgentReason] = []
    dismissed: list[Dismissed] = []
    for kind, labels in urgent.items():
        for label, matchers in labels.items():
            reason, skipped = _first_live(matchers, cues, text)
            shown = f"{'Notlage' if kind == 'notlage' else 'Frist'}: {label}"
            if reason:
                found.append(UrgentReason(kind=kind, label=shown, trigger=reason))
            elif skipped:
                dismissed.append(Dismissed(shown, *skipped))
    return found, dismissed


def _first_live(matchers: list[Matcher], cues: UrgencyCues,
                text: str) -> tuple[str | None, tuple[str, str] | None]:
    skipped = None
    for m in matchers:
        pos = 0
        while (match := m.search(text, pos)) is not None:
            why = cues.cancelled(text, match.start(), match.end())
            if why is None:
                return m.shown(match), None
            skipped = skipped or (m.shown(match), why)
            pos = max(match.end(), pos + 1)
    return None, skipped
