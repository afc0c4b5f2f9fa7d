"""The nearest training requests' votes (classifier.neighbours): their arithmetic, what the
model hands the stacked office network, and the bundle."""

from __future__ import annotations

import numpy as np
import pytest

from classifier import ClassifyRequest, stack, versions
from classifier.engine import Classifier, combine_scores
from classifier.model import INTENT_INPUT, Model, TrainingRow
from classifier.neighbours import NEAREST, PREFIX, Neighbours
from classifier.normalize import normalize


def unit(values: list[float]) -> np.ndarray:
    v = np.array(values, dtype=np.float64)
    return v / np.linalg.norm(v)


def test_similarities_are_the_cosine_over_the_kept_ngrams() -> None:
    # Given four training requests over six n-grams, each keeping its three strongest
    rng = np.random.default_rng(0)
    dense = np.abs(rng.normal(size=(4, 6)))
    vectors = [(np.arange(6), unit(list(row))) for row in dense]
    index = Neighbours.build(vectors, ["jobcenter", "sozialamt", "jobcenter", "wohngeld"],
                             columns=6, keep=3)
    kept = np.zeros_like(dense)
    for i, row in enumerate(dense):
        top = np.argsort(-row)[:3]
        kept[i, top] = row[top] / np.linalg.norm(row[top])
    # Then a request's similarities are the dot products with the pruned, renormalised rows
    query_idx, query_val = np.array([0, 2, 5]), unit([0.5, 1.0, 0.2])
    query = np.zeros(6)
    query[query_idx] = query_val
    assert np.allclose(index.similarities(query_idx, query_val), kept @ query, atol=1e-3)
    # And an n-gram beyond the index (a column none kept) counts for nothing
    assert np.allclose(index.similarities(np.array([0, 2, 5, 9]), unit([0.5, 1.0, 0.2, 0.0])),
                       kept @ query, atol=1e-3)


def test_the_nearest_requests_vote_by_their_similarity() -> None:
    # Given training requests of three offices, two near the new request and one far from it
    vectors = [(np.array([0, 1]), unit([1, 1])), (np.array([0, 1, 2]), unit([1, 1, 0.2])),
               (np.array([3, 4]), unit([1, 1]))]
    index = Neighbours.build(vectors, ["sozialamt", "jobcenter", "wohngeld"], columns=5, k=2)
    votes = index.votes(np.array([0, 1]), unit([1, 1]))
    # Then the two nearest share the vote by similarity, the far one has none
    assert set(votes) == {f"{PREFIX}{q}" for q in ("jobcenter", "sozialamt", "wohngeld")} | {NEAREST}
    assert votes[f"{PREFIX}sozialamt"] > votes[f"{PREFIX}jobcenter"] > 0
    assert votes[f"{PREFIX}wohngeld"] == 0
    assert votes[f"{PREFIX}sozialamt"] + votes[f"{PREFIX}jobcenter"] == pytest.approx(1.0)
    assert votes[NEAREST] == pytest.approx(1.0, abs=1e-3)
    # And a request sharing no n-gram gets no vote and a nearest similarity of 0
    nothing = index.votes(np.array([], dtype=np.int64), np.array([]))
    assert sum(v for k, v in nothing.items() if k != NEAREST) == 0 and nothing[NEAREST] == 0
    # And a batch votes as its requests one by one
    batch = index.votes_many([(np.array([0, 1]), unit([1, 1])),
                              (np.array([], dtype=np.int64), np.array([])),
                              (np.array([3, 4, 7]), unit([1, 0.5, 1]))])
    singles = [votes, nothing, index.votes(np.array([3, 4, 7]), unit([1, 0.5, 1]))]
    assert [v.keys() for v in batch] == [v.keys() for v in singles]
    for got, want in zip(batch, singles, strict=True):
        assert got == pytest.approx(want, abs=1e-3)


ROWS = [
    TrainingRow(normalize(text), queue, intent, group=f"g{i}", retold=True)
    for i, (text, queue, intent) in enumerate([
        ("Meine Rente reicht nicht für die Miete, ich bin 71 Jahre alt.", "sozialamt", "antrag"),
        ("Ich bin 69 und die Rente reicht nicht, bitte um Grundsicherung.", "sozialamt", "antrag"),
        ("Ich habe meinen Job verloren und brauche Bürgergeld für die Miete.", "jobcenter", "antrag"),
        ("Anbei die Kontoauszüge für den Weiterbewilligungsantrag Bürgergeld.", "jobcenter", "unterlagen"),
        ("Wir möchten Wohngeld für unsere neue Wohnung beantragen.", "wohngeld", "antrag"),
        ("Der Mietzuschuss für die Wohnung: wie beantrage ich Wohngeld?", "wohngeld", "auskunft"),
    ] * 3)
] + [TrainingRow(normalize("Vorlage: Antrag auf Wohngeld für die Wohnung."), "wohngeld", "antrag",
                 weight=0.5),
     TrainingRow(normalize("Bestätigt: Frau Abendroth, 71, bittet um Hilfe zur Miete."), "sozialamt",
                 "antrag")]


@pytest.fixture(scope="module")
def small() -> Model:
    return Model.train(ROWS, lemmas=False)


def test_the_model_indexes_its_real_requests_and_hands_the_network_their_votes(small: Model) -> None:
    # Then the index holds the retold requests by office, not the template nor the request
    # staff confirmed (a citizen's own words stay out of the model file's index)
    assert small.neighbours is not None and len(small.neighbours.labels) == len(ROWS) - 2
    assert set(small.neighbours.classes) == {"sozialamt", "jobcenter", "wohngeld"}
    # And the model's view for the network has the neighbours' votes and the intents
    text = normalize("Meine Rente reicht nicht mehr für die Miete, ich bin 70.")
    view = small.network_view(small.vectorize(text), {"antrag": 0.8, "auskunft": 0.2})
    assert view[f"{INTENT_INPUT}antrag"] == 0.8
    assert max((k for k in view if k.startswith(PREFIX) and k != NEAREST),
               key=lambda k: view[k]) == f"{PREFIX}sozialamt"
    # And a model from before the index (an older bundle) hands only the intents
    old = Model(small.words, small.chars, small.queue_head, small.intent_head, small.meta)
    assert old.network_view(small.vectorize(text), {"antrag": 1.0}) == {f"{INTENT_INPUT}antrag": 1.0}


def test_the_index_survives_saving_and_the_light_reading(tmp_path, small: Model) -> None:  # type: ignore[no-untyped-def]
    list(small.score_many(["Bitte um Wohngeld."]))  # the batch path's SciPy matrix is not saved
    path = small.save(tmp_path / "model.joblib")
    f = small.vectorize(normalize("Bitte um Wohngeld für die Wohnung."))
    expected = small.network_view(f, {})
    for loaded in (Model.load(path), Model.load(path, estimators=True)):
        assert loaded.network_view(loaded.vectorize(normalize("Bitte um Wohngeld für die Wohnung.")),
                                   {}) == pytest.approx(expected)


def test_the_bundled_network_reads_the_neighbours_and_intents() -> None:
    clf = Classifier.load(model_path=versions.BUNDLED_MODEL)
    net = clf.model.queue_stack
    assert net is not None and clf.model.neighbours is not None
    assert NEAREST in net.inputs and f"{INTENT_INPUT}antrag" in net.inputs
    request = ClassifyRequest(subject="Heimkosten", text=(
        "Guten Tag, meine Mutter ist 84 und lebt seit dem Sommer im Pflegeheim. Ihre Rente und "
        "das Geld der Pflegekasse reichen für die Heimkosten nicht mehr, das Ersparte ist "
        "aufgebraucht. Wer übernimmt den Rest? Mit freundlichen Grüßen, Petra Janssen"))
    prior, boost, inputs = clf.queue_evidence(request)
    # Then the evidence carries the votes, and the decision is the network's on it
    assert inputs[NEAREST] > 0 and sum(v for k, v in inputs.items()
                                       if k.startswith(PREFIX) and k != NEAREST) == pytest.approx(1.0)
    result = clf.classify(request)
    assert result.queue == "sozialamt"
    assert clf.classify_many([request])[0].queue_scores == result.queue_scores
    assert result.queue_scores["sozialamt"] == pytest.approx(
        stack.stacked(net, combine_scores(prior, boost, clf.queues), prior, boost,
                      inputs)["sozialamt"], abs=1e-4)
