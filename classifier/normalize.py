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


def compile_shorthand(shorthand: Mapping[str, str]) -> list[tuple[re.Pattern[str], str]]:
    """Whole-token patterns for shorthand (``kd-nr`` but not the ``kd`` in ``kdu``)."""
    rules = []
    for short, long in sorted(shorthand.items(), key=lambda kv: -len(kv[0])):
        pattern = re.compile(rf"(?<![\w-]){re.escape(fold(short))}(?![\w-])")
        rules.append((pattern, fold(long)))
    return rules


def normalize(text: str, shorthand: list[tuple[re.Pattern[str], str]] | None = None) -> str:
    text = fold(text)
    for pattern, long in shorthand or ():
        if pattern.search(text):
            text = pattern.sub(f"{long}", text)
    return _SPACES.sub(" ", text).strip()
