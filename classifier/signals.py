"""Admin-editable keyword/regex signals (``signals.yaml``): terms of art, emergencies, deadlines.

A signal never decides alone: queue and intent signals shift the model's probabilities, urgency
signals name the Notlage or Frist with the words that triggered it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.normalize import Shorthand, compile_shorthand, fold, loosen
from classifier.prefilter import Prefilter
from classifier.towns import Towns
from classifier.types import UrgentReason
from classifier.urgency import Dismissed, UrgencyCues, signal_urgency
from domain import yamlfile

DEFAULT_SIGNALS = Path(__file__).with_name("signals.yaml")


@dataclass(frozen=True)
class Matcher:
    """One term or regex; ``label`` is what staff see."""

    label: str
    pattern: re.Pattern[str]
    weight: float = 1.0
    literal: str | None = None  # text the match must contain: a cheap test before the regex
    shown_as_label: bool = False
    alternatives: tuple[str, ...] = ()  # for regexes: one of these must occur (cheap test)

    @property
    def required(self) -> tuple[str, ...]:
        """Texts one of which any match contains (empty: not known)."""
        return (self.literal,) if self.literal is not None else self.alternatives

    def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
        if self.literal is not None and self.literal not in text:
            return None
        if self.alternatives and not any(a in text for a in self.alternatives):
            return None
        return self.pattern.search(text, pos)

    def _shown_part(self, match: re.Match[str]) -> str | int:
        # A regex that reads its context (``(?P<shown>…)``) is about the part that group names.
        return "shown" if "shown" in self.pattern.groupindex and match.group("shown") else 0

    def shown(self, match: re.Match[str]) -> str:
        # A plain term is shown as the admin wrote it (with umlauts), not in the loose form.
        return self.label if self.shown_as_label else match.group(self._shown_part(match)).strip()

    def span(self, match: re.Match[str]) -> tuple[int, int]:
        """Where the matched phrase stands in the text (its ``shown`` group, if any)."""
        return match.span(self._shown_part(match))

    def find(self, text: str) -> str | None:
        match = self.search(text)
        return self.shown(match) if match else None


_PLAIN = re.compile(r"[a-z ]+")
# The longest match that is still one phrase: a shorter term inside it counts no more
# (_one_per_phrase); a regex reading a whole sentence swallows nothing.
PHRASE = 60


def _one_per_phrase(found: list[tuple[str, float, tuple[int, int]]]) -> set[int]:
    """Indexes of the (target, weight, span) matches that count. One phrase counts once for its
    target: „funeral costs“ is not also „funeral“. A match inside a heavier (or as heavy and
    longer) phrase of the same target is left out."""
    kept: set[int] = set()
    phrases: list[tuple[str, int, int]] = []  # the kept matches short enough to swallow others
    for i in sorted(range(len(found)), key=lambda i: (-found[i][1], found[i][2][0] - found[i][2][1])):
        target, _, (start, end) = found[i]
        if any(t == target and s <= start and end <= e for t, s, e in phrases):
            continue
        kept.add(i)
        if end - start <= PHRASE:
            phrases.append((target, start, end))
    return kept


def required_words(regex: str) -> tuple[str, ...]:
    """Words one of which any match of ``regex`` must contain, read off its start
    (``\\b(?:strom|gas)\\b…`` → strom, gas; ``\\bkein(?:en)? …`` → kein); () if unknown.
    Lets most regexes be skipped with a substring test, which is far cheaper than a search.
    A regex with a ``|`` outside every group (``\\bstrom x|\\bgas y``) has the words of all its
    branches, none if one branch has none."""
    branches = _top_level_branches(regex)
    if len(branches) > 1:
        words = [required_words(branch) for branch in branches]
        return () if not all(words) else tuple(dict.fromkeys(w for ws in words for w in ws))
    rest = regex.removeprefix("\\b")
    while rest.startswith(("(?<!", "(?<=")) and ")" in rest:  # a lookbehind consumes nothing
        rest = rest[rest.index(")") + 1 :]
    if rest.startswith("(?:"):
        depth, end = 0, None
        for i, ch in enumerate(rest):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0:
                end = i
                break
        if end is None or rest[end + 1 : end + 2] in ("?", "*", "{"):
            return ()
        options = rest[3:end].split("|")
        return tuple(options) if all(_PLAIN.fullmatch(o) for o in options) else ()
    lead = re.match(r"[a-z ]+", rest)
    if not lead:
        return ()
    word = lead.group(0)
    if rest[len(word) : len(word) + 1] in ("?", "*", "{"):
        word = word[:-1]  # the last letter is optional
    return (word,) if len(word.strip()) >= 3 else ()


def _top_level_branches(regex: str) -> list[str]:
    """``regex`` split at each ``|`` outside every group and character class."""
    branches, start, depth, escaped, in_class = [], 0, 0, False, False
    for i, ch in enumerate(regex):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch in "()":
            depth += 1 if ch == "(" else -1
        elif ch == "|" and depth == 0:
            branches.append(regex[start:i])
            start = i + 1
    return [*branches, regex[start:]]


def compile_term(term: str, weight: float = 1.0) -> Matcher:
    term = str(term)
    if term.startswith("re:"):
        source = loosen(term[3:])
        return Matcher(term[3:], re.compile(source), weight, alternatives=required_words(source))
    if term.startswith("*"):
        body = loosen(fold(term[1:]))
        return Matcher(term[1:], re.compile(rf"\w{{0,30}}{re.escape(body)}\w{{0,30}}"), weight,
                       body)
    body = loosen(fold(term))
    words = body.split()
    # German inflects the leading words of a phrase: „volle Erwerbsminderung“ is also „voller
    # Erwerbsminderung“, „kleine Rente“ „einer kleinen Rente“. Each word but the last may end
    # in up to two more letters (the last is open anyway).
    phrase = r"\w{0,2}\s+".join(re.escape(word) for word in words)
    return Matcher(term, re.compile(rf"(?<!\w){phrase}\w{{0,30}}"), weight, max(words, key=len, default=body), True)


# Words that make "in/nach <place>" the place someone lives or moves to ("wohne in Hatten",
# "ziehe nach Rastede", "lebt seit Juni im Heim in Westerstede"), not a place an event happens
# at ("die Beerdigung ist in Cloppenburg", "eine Reha in Bad Zwischenahn", "das Haus der Mutter
# in Wardenburg geerbt"): those are no reason to send a request to another Kommune.
_RESIDENCE = r"(?:wohn|leb|zieh|gezogen|umzug|umzieh|anschrift|adresse|live|living|move)\w*"


def place_matcher(name: str) -> Matcher:
    # Only where the place is where someone lives ("wohne in Hatten"), not the verb "hatten":
    # after a postcode, after "aus" (where a caller is from), or after "in"/"nach" with a word
    # of living or moving earlier in the same sentence.
    place = loosen(fold(name))
    lead = rf"(?:\b{_RESIDENCE}\b[^.;:!?\n]{{0,40}}?\b(?:in|nach|to)|\baus|\bwohnort\W{{0,2}}|\d{{5}})"
    # Turkish puts the place first, in the locative, and the verb of living after it:
    # „Bad Zwischenahn'da oturuyor“, „Rastede'de yaşıyorum“.
    turkish = rf"\b{re.escape(place)}['’]?[dt][ae]\b[^.;:!?\n]{{0,30}}?\b(?:otur|ya[sş][iı]y|ikamet)"
    return Matcher(name, re.compile(rf"{lead}\s+{re.escape(place)}\b|{turkish}"),
                   literal=place, shown_as_label=True)


# A move into the Kommune ("ziehe nach Oldenburg", "von Hatten nach Oldenburg gezogen",
# "moving to Oldenburg"): the new place's offices are responsible for the new flat (Zusicherung,
# § 22 Abs. 4 SGB II) and the benefits from then on, so "aus Hatten" beside it is where the
# person comes from, not a reason to refer the request elsewhere.
_MOVE = r"(?:zieh|gezogen|umzug|umzieh|move|moving)\w*"


def move_in_matcher(name: str) -> Matcher:
    place = loosen(fold(name))
    before = rf"\b{_MOVE}\b[^.;:!?\n]{{0,40}}?\b(?:nach|to)\s+{re.escape(place)}\b"
    after = rf"\bnach\s+{re.escape(place)}\b(?:\s+\w+){{0,3}}?\s+(?:um)?(?:gezogen|ziehen)\b"
    return Matcher(name, re.compile(f"{before}|{after}"), literal=place, shown_as_label=True)


PER_OFFICE = "auto_per_office"  # abstain_below: the thresholds training chose per office


def _number_or_auto(value: Any) -> float | None:
    return None if value in (None, "auto", PER_OFFICE) else float(value)


@dataclass(frozen=True)
class Hit:
    target: str  # queue, intent, referral body or urgency label
    trigger: str  # the words found in the text
    weight: float = 1.0
    kind: str = ""  # for urgency: notlage | frist


def _weighted(table: dict[str, Any]) -> dict[str, list[Matcher]]:
    return {
        name: [compile_term(term, float(w)) for term, w in (terms or {}).items()]
        for name, terms in table.items()
    }


def _entries(table: dict[str, Any]) -> Iterator[tuple[Any, Matcher]]:
    """(target, matcher) in the table's order; for the urgency table (kind → label →
    matchers) the target is (kind, label)."""
    for target, inner in table.items():
        if isinstance(inner, dict):
            for label, matchers in inner.items():
                yield from (((target, label), m) for m in matchers)
        else:
            yield from ((target, m) for m in inner)


@dataclass
class Signals:
    """Every ``*_hits``/``referral``/``other_place`` method expects the text as
    ``loosen(normalize(text))``: the form the patterns were compiled to."""

    queues: dict[str, list[Matcher]]
    intents: dict[str, list[Matcher]]
    referrals: dict[str, list[Matcher]]
    urgent: dict[str, dict[str, list[Matcher]]]  # kind → label → matchers
    shorthand: Shorthand
    abstain_below: float | None = None  # None: the model's threshold, chosen from the costs
    abstain_per_office: bool = False  # with None above: the model's threshold for each office
    cost_clearing: float = 1.0
    cost_wrong_office: float = 6.0
    kommune_postcodes: frozenset[str] = frozenset()
    other_places: list[Matcher] = field(default_factory=list)
    own_places: list[Matcher] = field(default_factory=list)  # move_in_matcher per own place
    # Any German town named as one's home counts as outside too (classifier/towns.py); the
    # Kommune's own names are set by the classifier from its profile.
    towns_outside: bool = True
    towns: Towns | None = None
    urgency_cues: UrgencyCues = field(default_factory=lambda: UrgencyCues())
    urgent_model_above: float = 0.5  # the model's urgency probability that makes a request urgent
    _prefilters: dict[int, tuple[Any, Prefilter]] = field(default_factory=dict, repr=False,
                                                          compare=False)

    @classmethod
    def load(cls, path: Path | None = None) -> Signals:
        data = yamlfile.safe_load((path or DEFAULT_SIGNALS).read_text(encoding="utf-8")) or {}
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signals:
        return cls(
            queues=_weighted(data.get("queues", {})),
            intents=_weighted(data.get("intents", {})),
            referrals={
                body: [compile_term(t) for t in terms]
                for body, terms in data.get("referrals", {}).items()
            },
            urgent={
                kind: {label: [compile_term(t) for t in terms] for label, terms in labels.items()}
                for kind, labels in data.get("urgent", {}).items()
            },
            shorthand=compile_shorthand(data.get("shorthand", {})),
            abstain_below=_number_or_auto(data.get("abstain_below", "auto")),
            abstain_per_office=data.get("abstain_below") == PER_OFFICE,
            cost_clearing=float(data.get("cost_clearing", 1.0)),
            cost_wrong_office=float(data.get("cost_wrong_office", 6.0)),
            kommune_postcodes=frozenset(str(p) for p in data.get("kommune_postcodes", [])),
            other_places=[place_matcher(p) for p in data.get("other_places", [])],
            towns_outside=bool(data.get("towns_outside", True)),
            urgency_cues=UrgencyCues([compile_term(t) for t in data.get("urgent_over") or []],
                                     [compile_term(t) for t in data.get("urgent_still") or []]),
            urgent_model_above=float(data.get("urgent_model_above", 0.5)),
        )

    def _prefilter(self, table: dict[str, Any]) -> Prefilter:
        """The prefilter of one of this object's tables, built on first use (the tables are
        not changed after loading; a table replaced as a whole gets its own)."""
        cached = self._prefilters.get(id(table))
        if cached is None or cached[0] is not table:
            cached = self._prefilters[id(table)] = (table, Prefilter(_entries(table)))
        return cached[1]

    def _scan(self, table: dict[str, list[Matcher]], text: str) -> list[Hit]:
        # A candidate's required text is known to be there: its pattern is searched directly,
        # without Matcher.search's substring tests over again.
        found = [(target, m, match) for target, m in self._prefilter(table).candidates(text)
                 if (match := m.pattern.search(text))]
        kept = _one_per_phrase([(target, m.weight, m.span(match)) for target, m, match in found])
        return [Hit(target, m.shown(match), m.weight)
                for i, (target, m, match) in enumerate(found) if i in kept]

    def queue_hits(self, text: str) -> list[Hit]:
        return self._scan(self.queues, text)

    def intent_hits(self, text: str) -> list[Hit]:
        return self._scan(self.intents, text)

    def referral(self, text: str) -> Hit | None:
        for body, m in self._prefilter(self.referrals).candidates(text):
            if match := m.pattern.search(text):
                return Hit(body, m.shown(match))
        return None

    def urgency(self, text: str) -> tuple[list[UrgentReason], list[Dismissed]]:
        """Urgent reasons that count, and triggers dismissed as over, past or negated."""
        possible: dict[str, dict[str, list[Matcher]]] = {}
        for (kind, label), m in self._prefilter(self.urgent).candidates(text):
            possible.setdefault(kind, {}).setdefault(label, []).append(m)
        return signal_urgency(possible, self.urgency_cues, text)

    def other_place(self, text: str) -> str | None:
        """A place outside the Kommune named as where someone lives: a listed neighbour, else
        (where ``towns_outside``) any German town the writer names as their own home."""
        found = next((f for m in self.other_places if (f := m.find(text))), None)
        if found is None and self.towns is not None:
            found = self.towns.residence(text)
        return found

    def moving_in(self, text: str) -> str | None:
        return next((f for m in self.own_places if (f := m.find(text))), None)
