"""Text normalisation shared by the model features and the keyword signals.

Folding umlauts (``ä`` → ``ae``) makes "Buergergeld" and "Bürgergeld" the same word; expanding
staff shorthand (``WBA`` → Weiterbewilligungsantrag) lets phone notes speak the citizens' words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property

# Turkish letters too (ş, ç, ğ, ı; the dot İ leaves when lower-cased): Turkish speakers often
# type without them, and "kesildi" must meet "kesildi" whichever keyboard wrote it.
# Arabic-Indic and Persian digits (٧٧, ۷۷) as 0–9: an age, a date or an amount written with them
# must meet the same patterns and numbers.
_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "à": "a",
                       "ş": "s", "ç": "c", "ğ": "g", "ı": "i", "\u0307": None,
                       **{chr(0x0660 + d): str(d) for d in range(10)},
                       **{chr(0x06F0 + d): str(d) for d in range(10)}})
_SPACES = re.compile(r"\s+")
# OCR reads "l" as "1" and "o" as "0"; between two letters a digit is almost surely such a slip
# (identifiers mix digits and letters, but never a lone digit between letters).
_OCR_DIGITS = ((re.compile(r"(?<=[a-z])1+(?=[a-z])"), "l"), (re.compile(r"(?<=[a-z])0+(?=[a-z])"), "o"))


def fold(text: str) -> str:
    """Lower-case and fold umlauts; the one form every matcher works on."""
    return text.lower().translate(_FOLD)


Shorthand = list[tuple[str, re.Pattern[str], str]]  # (literal, whole-token pattern, expansion)


_LOOSE = (("ae", "a"), ("oe", "o"), ("ue", "u"))


def loosen(text: str) -> str:
    """Folded text with ``ae``/``oe``/``ue`` reduced to the bare vowel, so that "Kündigung",
    "Kuendigung" and "Kundigung" (dots simply left out) meet. Signals match on this form;
    applied to patterns and texts alike, so it never loses a match the folded form had."""
    for long, short in _LOOSE:
        text = text.replace(long, short)
    return text


_EDGE = re.compile(r"^\W+|\W+$")


class Written:
    """The citizen's own words for a phrase a signal matched in the loose form: staff read
    „Vermieter hat gekündigt“, not the matching form „vermieter hat gekundigt“. Folding and
    loosening never touch whitespace, so the words of the loose text are the raw text's words,
    one for one; both are split once, when the first trigger is shown."""

    def __init__(self, raw: str) -> None:
        self.raw = raw

    @cached_property
    def _words(self) -> tuple[list[str], list[str]]:
        return self.raw.split(), loosen(fold(self.raw)).split()

    def __call__(self, found: str) -> str:
        """``found`` as written; a word matched inside a compound is shown whole; ``found``
        itself where nothing of the text loosens to it (shorthand expanded)."""
        wanted = [_EDGE.sub("", w) for w in loosen(fold(found)).split()]
        if not wanted or not self.raw:
            return found
        words, loose = self._words
        if len(loose) != len(words):  # pragma: no cover - a character fold() splits on
            return found
        n = len(wanted)
        for i in range(len(loose) - n + 1):
            if wanted[0] in loose[i] and _EDGE.sub("", loose[i]) == wanted[0] and \
                    all(_EDGE.sub("", w) == x for w, x in zip(loose[i + 1 : i + n], wanted[1:], strict=True)):
                return _EDGE.sub("", " ".join(words[i : i + n]))
        if n == 1:  # a word matched inside a compound: „Räumungsklage“ for „räumung“
            for word, loose_word in zip(words, loose, strict=True):
                if wanted[0] in loose_word:
                    return _EDGE.sub("", word)
        return found


def compile_shorthand(shorthand: Mapping[str, str]) -> Shorthand:
    """Whole-token patterns for shorthand (``kd-nr`` but not the ``kd`` in ``kdu``)."""
    rules = []
    for short, long in sorted(shorthand.items(), key=lambda kv: -len(kv[0])):
        literal = fold(short)
        pattern = re.compile(rf"(?<![\w-]){re.escape(literal)}(?![\w-])")
        rules.append((literal, pattern, fold(long)))
    return rules


def normalize(text: str, shorthand: Shorthand | None = None) -> str:
    text = fold(text)
    for pattern, letter in _OCR_DIGITS:
        text = pattern.sub(lambda m, c=letter: c * len(m.group(0)), text)
    for literal, pattern, long in shorthand or ():
        if literal in text:  # cheap test first: most shorthand is absent from most texts
            text = pattern.sub(long, text)
    return _SPACES.sub(" ", text).strip()
