"""The model read without scikit-learn (classifier.lightload) scores exactly as the model read
with it: every request of the training corpus, every head, the words shown as reasons."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from classifier import versions
from classifier.model import Model
from classifier.normalize import normalize
from classifier.training import corpus_rows


@pytest.fixture(scope="module")
def both() -> tuple[Model, Model]:
    return Model.load(versions.BUNDLED_MODEL), Model.load(versions.BUNDLED_MODEL, estimators=True)


def test_the_bundle_is_read_without_scikit_learn() -> None:
    code = ("import sys\nfrom classifier.model import Model\nfrom classifier.versions import BUNDLED_MODEL\n"
            "m = Model.load(BUNDLED_MODEL)\n"
            "print(type(m.queue_head).__name__, sorted(n for n in ('sklearn', 'scipy') if n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["FittedHead", "[]"]


def test_every_corpus_request_scores_alike(both: tuple[Model, Model]) -> None:
    light, reference = both
    texts = [normalize(f"{row.get('subject') or ''}\n{row['text']}") for row in corpus_rows()]
    texts += ["", "ok", "x" * 3000, "Wohngeld-Antrag!!! 2x abgelehnt — warum?", "ÄÖÜ ß straße STRASSE"]
    assert len(texts) > 5000
    for text in texts:
        got, want = light.vectorize(text), reference.vectorize(text)
        assert np.array_equal(got.idx, want.idx) and np.array_equal(got.vals, want.vals), text
        for ours, theirs in zip((light.queue_head, light.intent_head, light.urgent_head),
                                (reference.queue_head, reference.intent_head, reference.urgent_head),
                                strict=True):
            assert light.fine_probabilities(ours, got) == reference.fine_probabilities(theirs, want)
    batch_light = list(light.score_many(texts[:300]))
    batch_reference = list(reference.score_many(texts[:300]))
    for ours, theirs in zip(batch_light, batch_reference, strict=True):
        assert ours[1:] == theirs[1:]


def test_the_word_analyzer_and_the_reasons_are_scikit_learns(both: tuple[Model, Model]) -> None:
    light, reference = both
    for text in ["ich beantrage wohngeld", "a", "", "miete miete miete nicht bezahlt 12.03.", "Ünd ÖL"]:
        assert light.words.build_analyzer()(text) == reference.words.build_analyzer()(text)
    assert np.array_equal(light.words.get_feature_names_out(), reference.words.get_feature_names_out())
    text = normalize("Die Stromsperre droht, der Vermieter hat gekündigt, ich kann die Miete nicht zahlen")
    for ours, theirs in ((light.queue_head, reference.queue_head), (light.intent_head, reference.intent_head)):
        for label in theirs.classes_:
            assert light.drivers(ours, light.vectorize(text), str(label)) == \
                reference.drivers(theirs, reference.vectorize(text), str(label))


def test_parts_it_cannot_stand_in_for_are_read_with_scikit_learn() -> None:
    import pickle

    from sklearn.naive_bayes import MultinomialNB

    from classifier import lightload
    from classifier.model import _parts

    packed = pickle.dumps({"head": MultinomialNB().fit(np.eye(3), [0, 1, 2])}, protocol=5)
    with pytest.raises(pickle.UnpicklingError):
        lightload.loads(packed)
    assert type(_parts(packed, estimators=False)["head"]) is MultinomialNB
