"""Text normalisation shared by the model features and the keyword signals.

Folding umlauts (``ä`` → ``ae``) makes "Buergergeld" and "Bürgergeld" the same word; expanding
staff shorthand (``WBA`` → Weiterbewilligungsantrag) lets phone notes speak the citizens' words.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "é": "e", "è": "e", "à": "a"})
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower-case and fold umlauts; the one form every matcher works on."""
    return text.lower().translate(_FOLD)


Shorthand = list[tuple[str, re.Pattern[str], str]]  # (literal, whole-token pattern, expansion)


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
    for literal, pattern, long in shorthand or ():
        if literal in text:  # cheap test first: most shorthand is absent from most texts
            text = pattern.sub(long, text)
    return _SPACES.sub(" ", text).strip()
