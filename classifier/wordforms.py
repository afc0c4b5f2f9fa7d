"""German word forms for the model's word features: lemmas.

The word features see the normalised text (lower case, umlauts folded), where "beantragte",
"Anträge" and "Kündigungen" are words of their own that a request may use once and the training
corpus never. Beside each word the analyser emits its lemma ("=beantragen", "=antrag",
"=kuendigung"), so that a form the corpus never had still meets what the corpus taught about its
lemma.

Lemmas come from simplemma's German dictionary (shipped in its wheel), folded like our texts;
a model keeps only the forms whose lemma occurred in its training texts, so the bundle carries a
small table and nothing is looked up outside it at prediction time. Splitting compounds on the
training vocabulary ("wohngeldantraege" → wohngeld + antrag) was tried beside it and left out:
the character n-grams carry compounds already (cross-validation: intent 81.0 → 80.7 %).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache

from classifier.normalize import fold

TOKEN = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token pattern
CACHE_SIZE = 50_000  # words whose lemma feature is kept


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def lemma_table(texts: Iterable[str]) -> dict[str, str]:
    """Folded form → folded lemma, for every form of a lemma that occurs in ``texts``
    (as itself or through one of its forms). Needs simplemma (training time only)."""
    words = {t for text in texts for t in tokens(text)}
    folded = _folded_dictionary()
    seen = {folded.get(w, w) for w in words}
    return {f: lem for f, lem in folded.items() if lem in seen}


@cache
def _folded_dictionary() -> dict[str, str]:
    """simplemma's German form → lemma table, folded as our texts are (some seconds: once)."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    folded: dict[str, str] = {}
    for form, lemma in DefaultDictionaryFactory().get_dictionary("de").items():
        f, lem = fold(form), fold(lemma)
        if f != lem and f.isalpha():
            folded.setdefault(f, lem)
    return folded


class LemmaAnalyzer:
    """Each word's lemma, or the word itself where the table has none: "zwei antraege
    gestellt" → zwei, antrag, stellen. The model's third feature block. Picklable; each word's
    lemma is looked up once and cached."""

    def __init__(self, lemmas: dict[str, str]) -> None:
        self.lemmas = lemmas
        self._cache: dict[str, str] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_cache": {}}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)

    def __call__(self, text: str) -> list[str]:
        cache, lemmas = self._cache, self.lemmas
        out = []
        for w in tokens(text):
            lemma = cache.get(w)
            if lemma is None:
                lemma = lemmas.get(w, w)
                if len(cache) < CACHE_SIZE:
                    cache[w] = lemma
            out.append(lemma)
        return out
