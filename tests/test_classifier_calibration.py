"""Calibrated confidence and the Clearing threshold chosen from costs, checked on requests the
bundled model never saw (the held-out sources of the real-situation corpus)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from classifier import Classifier, calibration, versions
from classifier.evaluation import request_of
from classifier.training import held_out_rows


@pytest.fixture(scope="module")
def clf() -> Classifier:
    """The bundled model with ``abstain_below: auto``: calibrated confidence, cost threshold."""
    loaded = Classifier.load(model_path=versions.BUNDLED_MODEL)
    loaded.signals = replace(loaded.signals, abstain_below=None)
    assert loaded.cost_threshold
    return loaded


def test_bundled_model_carries_its_calibration(clf: Classifier) -> None:
    meta = clf.model.meta
    assert len(meta["platt"]) == 3 and meta["platt"][0] > 0  # monotone: more sure stays more sure
    assert 0.2 <= meta["abstain_below"] < 1 and clf.threshold == meta["abstain_below"]
    # The bundled signals keep a fixed threshold on the uncalibrated confidence for now
    assert not Classifier.load(model_path=versions.BUNDLED_MODEL).cost_threshold
    assert meta["oof_confidently_wrong"] <= calibration.MAX_WRONG
    assert meta["oof_urgent_recall"] >= calibration.URGENT_RECALL


def test_confidence_means_what_it_says_on_held_out_requests(clf: Classifier) -> None:
    # Given requests of real situations no training saw
    rows = held_out_rows()
    assert len(rows) >= 100
    results = [(clf.classify(request_of(r)), r) for r in rows]
    # When confidence is grouped into bins, each bin's accuracy is close to its confidence
    pairs = []
    for result, row in results:
        best = max(result.queue_scores, key=lambda q: result.queue_scores[q])
        if result.queue == "extern":
            best = "extern"
        pairs.append((result.confidence, best in {row["queue"], *(row.get("alt") or [])}))
    error = 0.0
    for lo in (0.0, 0.5, 0.7, 0.8, 0.9):
        hi = {0.0: 0.5, 0.5: 0.7, 0.7: 0.8, 0.8: 0.9, 0.9: 1.01}[lo]
        members = [(c, ok) for c, ok in pairs if lo <= c < hi]
        if members:
            gap = abs(sum(c for c, _ in members) - sum(ok for _, ok in members))
            error += gap / len(pairs)
    assert error <= 0.1, f"expected calibration error {error:.3f}"
    # And nothing below the threshold was routed to an office
    assert all(r.queue == "clearing" or r.confidence >= clf.threshold
               for r, _ in results if r.referral_to != "andere Kommune")


def outcome(confidence: float, right: bool) -> calibration.Outcome:
    return calibration.Outcome(confidence=confidence, boost=0.0,
                               best="jobcenter" if right else "wohngeld",
                               acceptable={"jobcenter"}, urgent_gold=False, urgent_rules=False,
                               urgent_dismissed=False, urgent_p=0.0)


def test_threshold_minimises_cost_and_caps_wrong_routes() -> None:
    # Given predictions whose wrong ones all sit below 0.6
    outcomes = [outcome(0.95, True)] * 60 + [outcome(0.55, False)] * 10 + [outcome(0.5, True)] * 5
    same = lambda o: o.confidence  # noqa: E731
    # When a wrong office costs six Clearing cases, the threshold keeps those ten in Clearing
    t = calibration.choose_threshold(outcomes, same, cost_clearing=1, cost_wrong=6)
    assert 0.55 < t <= 0.95
    assert calibration.cost(outcomes, same, t, 1, 6)[2] == 0
    # And when a wrong office is cheaper than Clearing, routing everything would be cheapest,
    # yet the cap on confidently wrong routes still keeps the wrong ones out
    t = calibration.choose_threshold(outcomes, same, cost_clearing=6, cost_wrong=1, max_wrong=0.03)
    assert calibration.cost(outcomes, same, t, 6, 1)[2] <= 0.03


def test_urgent_threshold_keeps_recall() -> None:
    gold = [calibration.Outcome(0.9, 0.0, "jobcenter", {"jobcenter"}, True, False, False, p)
            for p in (0.9, 0.6, 0.3)]
    found_by_rules = calibration.Outcome(0.9, 0.0, "jobcenter", {"jobcenter"}, True, True, False,
                                         0.0)
    u = calibration.choose_urgent_above([*gold, found_by_rules], target=1.0)
    assert u <= 0.3 and calibration.urgent_recall([*gold, found_by_rules], u) == 1.0


def test_urgent_threshold_goes_below_five_percent_when_recall_needs_it() -> None:
    """An emergency the head gives 3 % still counts: the old floor of 0.05 missed it."""
    gold = [calibration.Outcome(0.9, 0.0, "jobcenter", {"jobcenter"}, True, False, False, p)
            for p in (0.9, 0.2, 0.03)]
    u = calibration.choose_urgent_above(gold, target=1.0)
    assert 0.025 <= u <= 0.03 and calibration.urgent_recall(gold, u) == 1.0


def test_signal_scale_follows_what_the_signals_are_worth() -> None:
    from classifier.engine import combine_scores

    labels = ("antrag", "auskunft")
    # Given questions the model reads right whose cue word ("beantragen") points elsewhere
    misleading = [({"antrag": 0.45, "auskunft": 0.55}, {"antrag": 1.2, "auskunft": 0.0},
                   "auskunft")]
    # And requests the model gets wrong where the cue word is right
    helpful = [({"antrag": 0.3, "auskunft": 0.7}, {"antrag": 1.2, "auskunft": 0.0}, "antrag")]
    # When the misleading ones dominate, the signal words count for little or nothing
    low = calibration.choose_signal_scale(misleading * 5 + helpful, labels, combine_scores)
    assert low < 0.7
    assert combine_scores(*misleading[0][:2], labels, low)["auskunft"] > 0.5
    # And when the cue words are right, they keep their weight as written
    assert calibration.choose_signal_scale(helpful * 5 + misleading, labels, combine_scores) >= 0.7
    assert calibration.choose_signal_scale([], labels, combine_scores) == 1.0


def test_requests_in_other_languages_get_their_own_intent_signal_scale():
    from classifier.engine import Classifier

    # Given a model whose German intent head needs no signal words but whose other-language one does
    clf = Classifier.load()
    clf.model.meta.update({"intent_signal_scale": 0.0, "intent_signal_scale_other": 1.2})
    # Then German requests (and those too short to tell) use the German scale, the rest theirs
    assert clf.intent_scale_for("de") == 0.0
    assert clf.intent_scale_for(None) == 0.0
    assert clf.intent_scale_for("uk") == 1.2
    # And a model trained before the second scale existed counts other languages' cue words fully
    del clf.model.meta["intent_signal_scale_other"]
    assert clf.intent_scale_for("en") == 1.0


def routed(queue: str, confidence: float, right: bool) -> calibration.Outcome:
    return calibration.Outcome(confidence=confidence, boost=0.0, best=queue,
                               acceptable={queue} if right else {"clearing_not_" + queue},
                               urgent_gold=False, urgent_rules=False, urgent_dismissed=False,
                               urgent_p=0.0)


def test_each_office_gets_the_threshold_its_own_mistakes_call_for() -> None:
    # Given an office the model rarely confuses and one whose wrong guesses sit up to 0.75
    clean = [routed("wohngeld", 0.6, True)] * 50 + [routed("wohngeld", 0.95, True)] * 50
    muddled = ([routed("sozialamt", 0.95, True)] * 50 + [routed("sozialamt", 0.7, False)] * 8
               + [routed("sozialamt", 0.6, True)] * 4)
    outcomes = clean + muddled
    same = lambda o: o.confidence  # noqa: E731
    overall = calibration.choose_threshold(outcomes, same, cost_clearing=3, cost_wrong=18)
    # When thresholds are chosen per office from the same costs
    by_queue = calibration.choose_queue_thresholds(outcomes, same, cost_clearing=3,
                                                   cost_wrong=18, min_outcomes=40)
    # Then the muddled office holds back its unsure guesses and the clean one routes them
    assert by_queue["sozialamt"] > 0.7 >= 0.6 >= by_queue["wohngeld"]
    per_office = lambda o: o.confidence - by_queue[o.best] + 0.5  # noqa: E731
    assert calibration.cost(outcomes, per_office, 0.5, 3, 18)[0] \
        < calibration.cost(outcomes, same, overall, 3, 18)[0]
    # And an office with too few predictions keeps the global threshold
    few = calibration.choose_queue_thresholds(outcomes, same, 3, 18, min_outcomes=101)
    assert few["wohngeld"] == few["sozialamt"] == overall


def test_per_office_thresholds_keep_the_cap_on_wrong_routes() -> None:
    # Given two offices that are each wrong now and then at every confidence
    outcomes = [routed(q, c, i % 5 != 0) for q in ("jobcenter", "wohngeld")
                for i, c in enumerate([0.5 + 0.005 * k for k in range(100)])]
    same = lambda o: o.confidence  # noqa: E731
    # When a wrong office is cheap, routing everything would cost least
    by_queue = calibration.choose_queue_thresholds(outcomes, same, cost_clearing=6,
                                                   cost_wrong=1, max_wrong=0.05, min_outcomes=10)
    # Yet the wrong routes of both offices together stay under the cap
    wrong = sum(o.best not in o.acceptable and o.confidence >= by_queue[o.best] for o in outcomes)
    assert wrong / len(outcomes) <= 0.05
