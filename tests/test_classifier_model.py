"""The model bundle: fast scoring equals sklearn's, versions load defensively, sizes stay small."""

from __future__ import annotations

import pytest

from classifier import versions
from classifier.model import Model
from classifier.training import BUNDLED_VERSION
from tests.fastscoring import assert_fast_features_match


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load(versions.BUNDLED_MODEL, estimators=True)


@pytest.mark.parametrize("text", ["ich moechte wohngeld beantragen", "", "x" * 3000,
                                  "hr. meyer rief an, wba fehlt, kundennummer 123d456789"])
def test_fast_scoring_equals_sklearn(model: Model, text: str) -> None:
    fast, reference = assert_fast_features_match(model, text)
    batch = next(iter(model.score_many([text])))
    for head, batched in zip((model.queue_head, model.intent_head, model.urgent_head), batch[1:4],
                             strict=True):
        expected = dict(zip(head.classes_, head.predict_proba(reference)[0], strict=True))
        for got in (model.fine_probabilities(head, fast), batched):
            assert got.keys() == expected.keys()
            assert all(abs(got[k] - expected[k]) < 1e-6 for k in got)


def test_bundled_model_is_small_and_versioned(model: Model) -> None:
    assert versions.BUNDLED_MODEL.stat().st_size < 50_000_000
    assert model.meta["format"] == 1 and model.meta["examples"] > 300


def test_truncated_model_file_is_refused(tmp_path) -> None:
    broken = tmp_path / "halb.joblib"
    broken.write_bytes(versions.BUNDLED_MODEL.read_bytes()[:5000])
    with pytest.raises(ValueError):
        Model.load(broken)


def test_a_version_written_before_the_packed_bundle_still_loads(model: Model, tmp_path) -> None:
    # Versions that `eingang train` wrote before the parts were pickled apart: joblib throughout.
    import joblib

    old = tmp_path / "alt.joblib"
    joblib.dump({"meta": model.meta, "words": model.words, "chars": model.chars,
                 "queue_head": model.queue_head, "intent_head": model.intent_head,
                 "urgent_head": model.urgent_head, "lemmas": model.lemmas, "cues": model.cues}, old)
    loaded = Model.load(old)
    text = "ich habe die kündigung bekommen und kann die miete nicht zahlen"
    assert loaded.fine_probabilities(loaded.queue_head, loaded.vectorize(text)) == \
        model.fine_probabilities(model.queue_head, model.vectorize(text))
    assert isinstance(joblib.load(versions.BUNDLED_MODEL)["packed"], bytes)  # the bundle is packed


def test_a_packed_bundle_with_broken_parts_is_refused(model: Model, tmp_path) -> None:
    import joblib

    broken = tmp_path / "kaputt.joblib"
    joblib.dump({"meta": model.meta, "packed": b"\x80\x05kein pickle"}, broken)
    with pytest.raises(ValueError, match="nicht lesbar"):
        Model.load(broken)


def test_active_version_is_preferred_and_missing_one_is_skipped(tmp_path) -> None:
    from classifier import load_classifier

    model = Model.load(versions.BUNDLED_MODEL)
    model.meta = {**model.meta, "version": "v-test"}
    model.save(versions.version_path("v-test", tmp_path))
    versions.set_active("v-test", tmp_path)
    assert load_classifier(data_dir=tmp_path).model_version == "v-test"
    versions.version_path("v-test", tmp_path).unlink()  # deleted by hand: fall back, no crash
    clf = load_classifier(data_dir=tmp_path)
    assert clf.model_version == BUNDLED_VERSION and clf.load_problems


def test_committed_corpus_is_what_the_generator_writes() -> None:
    import json

    from classifier.corpus.generate import OUT, generate

    committed = [json.loads(line) for line in OUT.read_text(encoding="utf-8").splitlines()]
    assert committed == generate()
    assert len(committed) >= 500
    assert {r["queue"] for r in committed} >= {"jobcenter", "sozialamt", "eingliederungshilfe",
                                                "wohngeld", "schuldnerberatung", "suchtberatung",
                                                "extern", "clearing"}


@pytest.mark.parametrize("text", ["a bb ccc dddd eeeee", "wohngeldantrag  und\n\tkdu", "", "x"])
def test_char_ngrams_equal_sklearn(model: Model, text: str) -> None:
    from classifier.model import char_wb_ngrams

    lo, hi = model.chars.ngram_range
    assert char_wb_ngrams(text, lo, hi) == model.chars.build_analyzer()(text)


def test_bundled_model_was_built_from_the_committed_corpus(model: Model) -> None:
    from classifier.holdout import is_held_out
    from classifier.training import corpus_rows, rows_digest

    # Every row the bundled model was trained on is still in the corpus, unchanged, and none
    # of them is held out; rows added since (the corpus grows in batches) wait for a rebuild.
    trained = model.meta["corpus_rows"]
    ids = set(trained["ids"])
    rows = [r for r in corpus_rows() if str(r.get("id")) in ids]
    assert len(rows) == len(ids), "run: python -m classifier.models.build"
    assert rows_digest(rows) == trained["sha256"], "run: python -m classifier.models.build"
    assert not any(is_held_out(r) for r in rows)


def test_the_svm_blend_changes_the_order_not_the_sharpness_of_the_queue_head() -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from classifier.model import blend_linear_svm

    texts = ["wohngeld antrag miete", "wohngeld zuschuss miete", "buergergeld jobcenter termin",
             "jobcenter termin meldung", "schulden beratung inkasso", "inkasso schulden hilfe"] * 3
    labels = ["wohngeld", "wohngeld", "jobcenter", "jobcenter", "schuldner", "schuldner"] * 3
    x = TfidfVectorizer().fit_transform(texts)
    weights = np.ones(len(texts))
    head = LogisticRegression(C=0.1).fit(x, labels)
    before = head.coef_.copy()
    blend_linear_svm(head, x, labels, weights, 0.0)
    assert np.array_equal(head.coef_, before)  # weight 0: the regression alone
    blend_linear_svm(head, x, labels, weights, 8.0)
    assert not np.allclose(head.coef_, before)
    assert np.linalg.norm(head.coef_) == pytest.approx(np.linalg.norm(before))
    assert list(head.predict(x)) == labels
