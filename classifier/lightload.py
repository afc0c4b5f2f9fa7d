"""A trained model read without scikit-learn: the fitted values, not the estimators.

Scoring needs from the pickled scikit-learn objects only what they learned (vocabularies,
idf weights, coefficients, classes) and the word analyzer's few settings; classifier.model
does the arithmetic itself. Unpickling the estimators themselves imports scikit-learn and,
through it, most of SciPy: 0.85 s of every worker, server and ``eingang ingest`` start on a
quiet machine, 2-4 s while OCR shares the cores (issue 16; the model's own data takes 0.3 s).
:func:`loads` maps the three estimator classes of a bundle to the plain holders below, which
take the estimators' pickled state as it is; anything else of scikit-learn is refused, and
classifier.model then reads the bundle the ordinary way. ``tests/test_classifier_lightload.py``
checks that both readings score every corpus request alike.
"""

from __future__ import annotations

import io
import pickle
import re
from functools import partial
from typing import Any

import numpy as np


class _Fitted:
    """The state of a pickled estimator, attribute by attribute (its ``__setstate__``)."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class FittedTransformer(_Fitted):
    """TfidfTransformer's state: ``idf_``."""


class FittedHead(_Fitted):
    """LogisticRegression's state: ``coef_``, ``intercept_``, ``classes_``."""


class FittedVectorizer(_Fitted):
    """TfidfVectorizer's state: ``vocabulary_``, the idf weights and the analyzer settings."""

    @property
    def idf_(self) -> np.ndarray:
        return self._tfidf.idf_

    def build_analyzer(self):  # type: ignore[no-untyped-def]
        """scikit-learn's word analyzer for the settings the models use: optional lowercase,
        the token pattern, n-grams joined by a space; a callable analyzer as it is."""
        if callable(self.analyzer):
            return self.analyzer
        if (self.analyzer != "word" or self.preprocessor is not None or self.tokenizer is not None
                or self.strip_accents is not None or self.stop_words is not None):
            raise NotImplementedError(f"Analyzer {self.analyzer!r} mit diesen Einstellungen")
        pattern = re.compile(self.token_pattern)
        if pattern.groups > 1:
            raise NotImplementedError("Tokenmuster mit mehreren Gruppen")
        return partial(_word_grams, pattern.findall, self.lowercase, *self.ngram_range)

    def get_feature_names_out(self) -> np.ndarray:
        names = np.empty(len(self.vocabulary_), dtype=object)
        for term, column in self.vocabulary_.items():
            names[column] = term
        return names


def _word_grams(tokenize, lowercase: bool, low: int, high: int, text: str) -> list[str]:  # type: ignore[no-untyped-def]
    tokens = tokenize(text.lower() if lowercase else text)
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return grams


STAND_INS = {
    ("sklearn.feature_extraction.text", "TfidfVectorizer"): FittedVectorizer,
    ("sklearn.feature_extraction.text", "TfidfTransformer"): FittedTransformer,
    ("sklearn.linear_model._logistic", "LogisticRegression"): FittedHead,
}


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        stand_in = STAND_INS.get((module, name))
        if stand_in is not None:
            return stand_in
        if module.split(".")[0] in ("sklearn", "scipy"):
            raise pickle.UnpicklingError(f"{module}.{name} hat keinen Ersatz")
        return super().find_class(module, name)


def loads(data: bytes) -> Any:
    """Unpickle a bundle's parts with the holders above in place of the estimators; raises
    ``pickle.UnpicklingError`` for one that has none (the caller reads it the ordinary way)."""
    return _Unpickler(io.BytesIO(data)).load()
