"""Lemma features (classifier/wordforms.py) and how the bundled model uses them."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from classifier import versions
from classifier.model import Model
from classifier.wordforms import LemmaAnalyzer, lemma_table


def test_a_form_the_corpus_never_had_meets_its_lemma() -> None:
    table = lemma_table(["ich habe einen antrag gestellt", "die kuendigung kam gestern"])
    # Folded as the texts are: "Anträge" is written "antraege" by then.
    assert table["antraege"] == "antrag"
    assert table["kuendigungen"] == "kuendigung"
    # Only lemmas that occur in the texts are kept: the bundle carries a small table.
    assert "wohnungen" not in table
    analyzer = LemmaAnalyzer(table)
    assert analyzer("zwei antraege") == analyzer("zwei antrag") == ["zwei", "antrag"]
    assert analyzer("") == []


def test_the_analyzer_pickles_without_its_cache() -> None:
    analyzer = LemmaAnalyzer({"antraege": "antrag"})
    analyzer("antraege")
    copy = pickle.loads(pickle.dumps(analyzer))
    assert copy._cache == {} and copy("antraege kam") == ["antrag", "kam"]


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load(versions.BUNDLED_MODEL, estimators=True)


def test_bundled_model_has_lemmas_and_only_its_queue_head_ignores_them(model: Model) -> None:
    assert model.lemmas is not None and len(model.lemmas.vocabulary_) > 1000
    start = len(model.words.vocabulary_) + len(model.chars.vocabulary_)
    end = start + len(model.lemmas.vocabulary_)  # the cue block may follow
    assert not np.any(model.queue_head.coef_[:, start:end])
    assert np.any(model.intent_head.coef_[:, start:end])
    assert np.any(model.urgent_head.coef_[:, start:end])
