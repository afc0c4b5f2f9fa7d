"""The stacked office network (classifier.stack): what it learns from out-of-fold evidence, how
the engine uses it, and where the fixed rule stays."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest

from classifier import ClassifyRequest, stack, versions
from classifier.engine import Classifier, combine_scores
from classifier.model import Model
from domain import Office, default_catalogue

OFFICES = ("jobcenter", "extern", "sozialamt", "clearing")


def evidence(n: int, seed: int = 0) -> list[tuple[dict[str, float], dict[str, float], str]]:
    """Out-of-fold evidence of a kind the fixed rule gets wrong: the model is often sure of
    ``extern`` where the Jobcenter's signal word (weight 1) says the request is the Jobcenter's
    (a household on Bürgergeld reporting its Kindergeld), and the Sozialamt's word decides
    whatever the model says."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        gold = rng.choice(OFFICES)
        prior = {q: rng.uniform(0.01, 0.1) for q in OFFICES}
        boost = dict.fromkeys(OFFICES, 0.0)
        if gold == "jobcenter" and rng.random() < 0.5:
            prior["extern"] = 0.9  # the other body's benefit named as context
            boost["jobcenter"] = 1.0
        elif gold == "sozialamt":
            prior["jobcenter"] = 0.9  # an age or a funeral beside „Bürgergeld“
            boost["sozialamt"] = 1.0
        else:
            prior[gold] = rng.uniform(0.5, 0.9)
        total = sum(prior.values())
        out.append(({q: p / total for q, p in prior.items()}, boost, gold))
    return out


def test_the_network_learns_what_the_fixed_rule_cannot() -> None:
    # Given out-of-fold evidence where a signal of weight 1 decides against a sure model
    train, test = evidence(1500, seed=1), evidence(300, seed=2)
    net = stack.fit(train, OFFICES)
    assert net is not None

    def right(decide) -> float:  # type: ignore[no-untyped-def]
        hits = 0
        for prior, boost, gold in test:
            scores = decide(prior, boost)
            hits += max(scores, key=lambda q: scores[q]) == gold
        return hits / len(test)

    # Then the network puts the right office first far more often than the fixed rule
    fixed = right(lambda p, b: combine_scores(p, b, OFFICES))
    assert fixed < 0.8
    assert right(net.scores) > 0.95
    # And its scores are probabilities over the offices it was fitted with
    scores = net.scores(*test[0][:2])
    assert set(scores) == set(OFFICES) and sum(scores.values()) == pytest.approx(1.0)


def test_the_network_reads_the_texts_cues_and_topics() -> None:
    # Given evidence where only a fact of the text decides: the model is as sure of the
    # Jobcenter for a pensioner's rent arrears as for a jobseeker's, no signal word is found,
    # and the stated age (a cue) is what makes the request the Sozialamt's
    rng = random.Random(3)

    def case(gold: str) -> tuple:
        prior = {q: rng.uniform(0.01, 0.05) for q in OFFICES}
        prior["extern" if gold == "extern" else "jobcenter"] = rng.uniform(0.7, 0.9)
        inputs = {"cue:age_66_plus": 1.0, "topic:rent": 1.0} if gold == "sozialamt" else {"topic:rent": 1.0}
        return prior, dict.fromkeys(OFFICES, 0.0), inputs, gold

    train = [case(rng.choice(("jobcenter", "sozialamt", "extern"))) for _ in range(1200)]
    net = stack.fit(train, OFFICES)
    assert net is not None and "cue:age_66_plus" in net.inputs
    # Then the age sends the pensioner to the Sozialamt, its absence the jobseeker to the Jobcenter
    pensioner, jobseeker = case("sozialamt"), case("jobcenter")
    assert max(s := net.scores(*pensioner[:3]), key=lambda q: s[q]) == "sozialamt"
    assert max(s := net.scores(*jobseeker[:3]), key=lambda q: s[q]) == "jobcenter"
    # And a network fitted without such inputs (a bundle from before them) reads none
    old = stack.fit([(p, b, gold) for p, b, _, gold in train], OFFICES)
    assert old is not None and old.inputs == ()
    assert old.scores(*pensioner[:3]) == old.scores(*pensioner[:2])


def test_the_blend_is_the_normalised_geometric_mean() -> None:
    fixed, net = {"a": 0.9, "b": 0.1}, {"a": 0.1, "b": 0.9}
    assert stack.blend(fixed, net, share=0.5) == pytest.approx({"a": 0.5, "b": 0.5})
    # by default the fixed rule has SHARE of the say: a ∝ 0.9^s · 0.1^(1−s), b the mirror
    s = stack.SHARE
    a, b = 0.9**s * 0.1 ** (1 - s), 0.1**s * 0.9 ** (1 - s)
    assert stack.blend(fixed, net) == pytest.approx({"a": a / (a + b), "b": b / (a + b)})
    assert stack.blend(fixed, net, share=1.0) == pytest.approx(fixed)
    assert stack.blend(fixed, net, share=0.0) == pytest.approx(net)
    # An office the network gives nothing keeps nothing, however sure the fixed rule is
    assert stack.blend({"a": 0.99, "b": 0.01}, {"a": 0.0, "b": 1.0})["a"] < 1e-5


def test_too_little_evidence_fits_no_network() -> None:
    assert stack.fit(evidence(30), OFFICES) is None
    two = [e for e in evidence(400) if e[2] in ("jobcenter", "extern")]
    assert stack.fit(two, OFFICES) is None


def test_an_office_no_answer_had_is_left_to_the_fixed_rule() -> None:
    # Given evidence without a single Clearing answer
    net = stack.fit([e for e in evidence(800) if e[2] != "clearing"], OFFICES)
    # Then the network does not decide about Clearing at all (the engine gives it the fixed
    # rule's share), and divides everything among the offices it has seen
    assert net is not None and "clearing" not in net.classes
    assert sum(net.scores(*evidence(1)[0][:2]).values()) == pytest.approx(1.0)


@pytest.fixture(scope="module")
def bundled() -> Classifier:
    return Classifier.load(model_path=versions.BUNDLED_MODEL)


REQUEST = ClassifyRequest(subject="Kindergeld",
                          text="Guten Tag, wir bekommen Bürgergeld. Seit Oktober bekommen wir auch "
                               "Kindergeld für unsere Tochter, den Bescheid der Familienkasse "
                               "schicke ich mit. Mit freundlichen Grüßen, A. Demir")


def test_the_bundled_model_decides_offices_by_its_network(bundled: Classifier) -> None:
    net = bundled.model.queue_stack
    assert net is not None and set(net.classes) == set(bundled.queues)
    assert bundled.model.meta["queue_stack"] is True
    # The office scores are the geometric mean of the fixed rule and the network, both on the
    # model's probabilities and the signal weights
    prior, boost, inputs = bundled.queue_evidence(REQUEST)
    result = bundled.classify(REQUEST)
    expected = stack.blend(combine_scores(prior, boost, bundled.queues),
                           net.scores(prior, boost, inputs))
    assert result.queue_scores == {q: round(p, 4) for q, p in expected.items()}
    # And the batch path decides alike
    assert bundled.classify_many([REQUEST])[0].queue_scores == result.queue_scores


def test_without_a_network_the_fixed_rule_decides(bundled: Classifier) -> None:
    plain = replace(bundled.model, queue_stack=None)
    clf = Classifier(bundled.signals, plain, abstain_below=0.5)
    prior, boost, _ = clf.queue_evidence(REQUEST)
    assert clf.classify(REQUEST).queue_scores == {
        q: round(p, 4) for q, p in combine_scores(prior, boost, clf.queues).items()}


def test_a_short_text_keeps_the_fixed_rule(bundled: Classifier) -> None:
    # Given a request of fewer different words than the network's corpus had
    short = ClassifyRequest(subject="", text="Ich bekomme ALG II und habe eine Frage zur Miete.")
    prior, boost, _ = bundled.queue_evidence(short)
    # Then the fixed rule alone decides, and the Jobcenter's term of art routes it
    result = bundled.classify(short)
    assert result.queue_scores == {
        q: round(p, 4) for q, p in combine_scores(prior, boost, bundled.queues).items()}
    assert result.queue == "jobcenter"


def test_an_office_the_model_does_not_know_keeps_the_fixed_rules_share(bundled: Classifier) -> None:
    # Given a Kommune with a Jugendamt the model has never seen
    jugendamt = Office(key="jugendamt", name="Jugendamt", rechtskreis="SGB VIII",
                       leistungsform="transfer_beratung", follow_up="offer_appointment",
                       retention_days=120, keywords=("Unterhaltsvorschuss",))
    catalogue = replace(default_catalogue(), offices=(*default_catalogue().offices, jugendamt))
    clf = Classifier(bundled.signals, bundled.model, abstain_below=0.5, catalogue=catalogue)
    request = ClassifyRequest(subject="Unterhaltsvorschuss",
                              text="Der Vater meiner Tochter zahlt seit Monaten keinen Unterhalt. "
                                   "Ich möchte Unterhaltsvorschuss beantragen.")
    result = clf.classify(request)
    # Then its keyword routes it as before the network existed
    fixed = replace(bundled.model, queue_stack=None)
    before = Classifier(bundled.signals, fixed, abstain_below=0.5, catalogue=catalogue).classify(request)
    assert result.queue == before.queue == "jugendamt"
    assert result.queue_scores["jugendamt"] == before.queue_scores["jugendamt"]
    # And the known offices share the rest as the network says
    assert sum(result.queue_scores.values()) == pytest.approx(1.0, abs=1e-3)


def test_a_failed_model_leaves_the_signals_alone(bundled: Classifier) -> None:
    broken = replace(bundled.model, queue_head=None, intent_head=None, urgent_head=None)
    broken.vectorize = None  # type: ignore[method-assign]  # every model call now fails
    clf = Classifier(bundled.signals, broken, abstain_below=0.5)
    result = clf.classify(ClassifyRequest(subject="", text="Ich beantrage Wohngeld für meine Wohnung."))
    assert result.queue == "wohngeld"


def test_the_network_survives_saving_and_the_light_reading(tmp_path, bundled: Classifier) -> None:  # type: ignore[no-untyped-def]
    path = bundled.model.save(tmp_path / "model.joblib")
    light, full = Model.load(path), Model.load(path, estimators=True)
    for loaded in (light, full):
        assert loaded.queue_stack is not None
        x = bundled.model.queue_stack.features(*bundled.queue_evidence(REQUEST))
        assert np.allclose(loaded.queue_stack.probabilities(x),
                           bundled.model.queue_stack.probabilities(x))


def test_the_networks_of_several_seeds_are_one_network_averaging_their_logits(monkeypatch) -> None:
    train = evidence(600, seed=4)
    monkeypatch.setattr(stack, "ENSEMBLE", 1)
    singles = [stack.fit(train, OFFICES, seed=s) for s in range(3)]
    monkeypatch.setattr(stack, "ENSEMBLE", 3)
    joined = stack.fit(train, OFFICES, seed=0)
    assert joined.weights[0].shape[1] == 3 * stack.HIDDEN and len(joined.weights) == 2

    def logits(net: stack.QueueStack, x: np.ndarray) -> np.ndarray:
        h = np.maximum((x - net.mean) / net.scale @ net.weights[0] + net.biases[0], 0.0)
        return h @ net.weights[1] + net.biases[1]

    x = np.array([joined.features(p, b) for p, b, _ in evidence(50, seed=5)])
    z = np.mean([logits(n, x) for n in singles], axis=0)
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    assert joined.probabilities(x) == pytest.approx(expected)
