"""Signals from the catalogue: the keywords and example phrases an admin entered for an office
or an intent (Anliegenart).

An office or intent added in the console is unknown to the model until the next ``eingang
train`` that has examples of it. Until then these signals carry it: its keywords (matched like
the terms of ``signals.yaml``) and its example phrases (most of an example's words occur in
the text). The model gives such a label no probability of its own, so
:func:`with_unknown_offices` gives it an even share to start from where its signals speak for
it; the signals then decide. Where nothing speaks for it, it takes nothing from the others (a
request the model decided before is decided the same way).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from classifier.normalize import Shorthand, loosen, normalize
from classifier.signals import Hit, Matcher, compile_term
from domain import Catalogue

KEYWORD_WEIGHT = 3.0
EXAMPLE_WEIGHT = 2.5
EXAMPLE_SHARE = 0.6  # of an example's words that must occur in the text
_WORD = re.compile(r"\w{4,}")
# Words every request has: they say nothing about the office.
_COMMON = frozenset(loosen(w) for w in (
    "ich", "mein", "meine", "meinen", "meiner", "bitte", "habe", "haben", "wird", "werden", "moechte",
    "moechten", "sehr", "geehrte", "geehrter", "damen", "herren", "danke", "fuer", "eine", "einen",
    "einem", "einer", "nicht", "noch", "auch", "oder", "und", "mit", "wie", "wir", "uns", "ihr",
    "ihre", "ihnen", "sie", "dass", "weil", "wenn", "kann", "koennen", "soll", "sollen", "muss",
    "dies", "diese", "dieser", "diesen", "hier", "dort", "jetzt", "heute", "schon", "immer",
    "gruessen", "freundlichen", "gruss", "anbei", "brauche", "beantragen", "antrag",
))


class Entry(Protocol):
    """An office or an intent of the catalogue, as far as its signals go."""

    @property
    def key(self) -> str: ...
    @property
    def keywords(self) -> tuple[str, ...]: ...
    @property
    def examples(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class OfficeSignals:
    keywords: dict[str, list[Matcher]]
    examples: dict[str, list[tuple[str, frozenset[str]]]]  # office → (shown phrase, its words)

    @classmethod
    def from_catalogue(cls, catalogue: Catalogue | None, shorthand: Shorthand | None = None
                       ) -> OfficeSignals:
        """The active offices' signals."""
        return cls.from_entries(catalogue.active_offices if catalogue else (), shorthand)

    @classmethod
    def for_intents(cls, catalogue: Catalogue | None, shorthand: Shorthand | None = None
                    ) -> OfficeSignals:
        """The active intents' signals."""
        return cls.from_entries(catalogue.active_intents if catalogue else (), shorthand)

    @classmethod
    def from_entries(cls, entries: Iterable[Entry], shorthand: Shorthand | None = None
                     ) -> OfficeSignals:
        keywords: dict[str, list[Matcher]] = {}
        examples: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for entry in entries:
            if entry.keywords:
                keywords[entry.key] = [compile_term(k, KEYWORD_WEIGHT) for k in entry.keywords]
            phrases = [(p, _words(p, shorthand)) for p in entry.examples]
            if phrases := [(p, w) for p, w in phrases if len(w) >= 2]:
                examples[entry.key] = phrases
        return cls(keywords, examples)

    def hits(self, loose_text: str) -> list[Hit]:
        """Hits in ``loosen(normalize(text))``, the form the matchers were compiled to."""
        hits = []
        for office, matchers in self.keywords.items():
            hits += [Hit(office, found, m.weight) for m in matchers if (found := m.find(loose_text))]
        if self.examples:
            words = frozenset(_WORD.findall(loose_text))
            for office, phrases in self.examples.items():
                for phrase, needed in phrases:
                    if len(needed & words) >= EXAMPLE_SHARE * len(needed):
                        hits.append(Hit(office, f"ähnlich wie „{phrase}“", EXAMPLE_WEIGHT))
                        break  # one example is enough: many similar ones are one piece of evidence
        return hits


def _words(phrase: str, shorthand: Shorthand | None) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(loosen(normalize(phrase, shorthand))) if w not in _COMMON)


def with_unknown_offices(prior: dict[str, float], queues: tuple[str, ...],
                         evidence: set[str] | frozenset[str] = frozenset()) -> dict[str, float]:
    """The model's probabilities, with an even share for labels (queues or intents) the model
    does not know and the text's signals point to (``evidence``: the targets of the hits)."""
    unknown = [q for q in queues if q not in prior and q in evidence]
    if not unknown:
        return prior
    share = 1 / len(queues)
    known = sum(prior.get(q, 0.0) for q in queues)
    scale = (1 - share * len(unknown)) / known if known else 0.0
    out = {q: prior[q] * scale for q in queues if q in prior}
    out.update(dict.fromkeys(unknown, share))
    return out
