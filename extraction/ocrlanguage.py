"""Which tesseract models a page's first reading uses: the first configured language alone.

Every further model costs time on every page: tesseract reads each word with the first model
and tries the others on the words it is unsure of (deu+eng costs a German letter about a fifth
more, an upside-down page nearly twice). So a page is read with the first language only, and
again with all configured ones when its words do not look like that language. Function words
are the test: German running text is about a third articles, pronouns and prepositions,
English text read by the German model has almost none.
"""

from __future__ import annotations

import re

# The commonest function words of each language we can tell; a first language without a list
# here is always read together with the others.
FUNCTION_WORDS = {
    "deu": frozenset(
        ["der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem", "einer", "eines", "und", "oder", "aber", "ist", "sind", "war", "wird", "werden", "wurde", "habe", "hat", "haben", "ich", "sie", "wir", "ihr", "er", "es", "mit", "von", "zu", "zum", "zur", "auf", "für", "im", "in", "an", "am", "bei", "nach", "aus", "als", "auch", "nicht", "noch", "nur", "so", "wie", "dass", "daß", "sehr", "bitte", "ihre", "ihren", "ihrem", "ihnen", "mein", "meine", "meinen", "meiner", "mir", "mich", "uns", "unser", "vom", "über", "unter", "durch", "gegen", "ohne", "um", "bis", "seit", "wenn", "sich", "kann", "können", "mit", "freundlichen", "grüßen", "sehr", "geehrte"]
    ),
}
# Below this share of function words among the words of a reading, it is not that language.
MIN_SHARE = 0.08
# Fewer words tell nothing (a separator sheet, a form with a few entries): kept as read.
MIN_WORDS = 20

_WORD = re.compile(r"[^\W\d_]+")


def first_pass(languages: str) -> str:
    """The models for a page's first reading: the first language when we can tell it, else all."""
    first = languages.split("+")[0]
    return first if first in FUNCTION_WORDS else languages


def reads_as(text: str, language: str) -> bool:
    """Whether ``text`` (an OCR reading) looks like ``language``; short texts count as yes."""
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < MIN_WORDS or language not in FUNCTION_WORDS:
        return True
    known = FUNCTION_WORDS[language]
    return sum(w in known for w in words) >= MIN_SHARE * len(words)
