"""Calibrated confidence and the thresholds chosen from costs, fitted on out-of-fold predictions.

The training rows are cut into folds by real situation (``holdout.fold_of``); each fold is
classified by a model trained on the others. On these honest predictions we fit

- a Platt scaling of the final queue confidence (model and signals combined), with the weight
  of the signal words found for that queue as a second input (a term of art is evidence the
  model, trained mostly on German, may not weigh enough: "Kira yardımı", "бюргергельд"), so
  that "80 %" means right four times in five;
- the Clearing threshold that minimises the expected cost: every Clearing case costs
  ``cost_clearing``, every request sent to a wrong office ``cost_wrong_office`` (both in
  ``signals.yaml``), with the share of confidently wrong routes held under ``max_wrong``;
- the model's urgency threshold: the highest one with which rules and model together still find
  ``URGENT_RECALL`` of the emergencies;
- how much the intent signal words count beside the model's intent head (``intent_signal_scale``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Issue 12 asks for 97 % of the emergencies on requests never seen. The threshold is chosen
# out of fold, an estimate with a spread of its own: aiming at exactly 97 % there left new
# requests on either side of it, so it aims a point higher and pays for it in false alarms
# (an urgent mark costs staff a look, a missed emergency can cost a flat).
URGENT_RECALL = 0.98
MAX_WRONG = 0.03


def logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def platt(confidence: float, a: float, b: float, c: float = 0.0, boost: float = 0.0) -> float:
    """P(right) from the combined confidence and the signal weight found for the queue."""
    return 1.0 / (1.0 + math.exp(-(a * logit(confidence) + c * boost + b)))


@dataclass
class Outcome:
    """One out-of-fold prediction."""

    confidence: float  # raw combined confidence of the best queue
    boost: float  # weight of the signal words found for the best queue
    best: str  # best queue before abstention
    acceptable: set[str]  # gold queue and its alternatives
    urgent_gold: bool
    urgent_rules: bool  # signals or Widerspruch
    urgent_dismissed: bool  # a trigger the rules found to be over or negated
    urgent_p: float  # the model head's probability


def fit_platt(outcomes: list[Outcome]) -> tuple[float, float, float]:
    """(a, b, c) of :func:`platt`."""
    from sklearn.linear_model import LogisticRegression

    x = [[logit(o.confidence), o.boost] for o in outcomes]
    y = [o.best in o.acceptable for o in outcomes]
    if len(set(y)) < 2:
        return 1.0, 0.0, 0.0
    lr = LogisticRegression(C=1e4).fit(x, y)
    return float(lr.coef_[0][0]), float(lr.intercept_[0]), float(lr.coef_[0][1])


def cost(outcomes: list[Outcome], confidence: Callable[[Outcome], float], threshold: float,
         cost_clearing: float, cost_wrong: float) -> tuple[float, float, float]:
    """(total cost, share sent to Clearing, share confidently wrong) at ``threshold``."""
    total = clearing = wrong = 0
    for o in outcomes:
        if o.best == "clearing" or confidence(o) < threshold:
            clearing += 1
            total += 0 if "clearing" in o.acceptable else cost_clearing
        elif o.best not in o.acceptable:
            wrong += 1
            total += cost_wrong
    n = len(outcomes) or 1
    return total, clearing / n, wrong / n


def choose_threshold(outcomes: list[Outcome], confidence: Callable[[Outcome], float],
                     cost_clearing: float, cost_wrong: float,
                     max_wrong: float = MAX_WRONG) -> float:
    grid = [i / 100 for i in range(20, 100)]
    allowed = [t for t in grid
               if cost(outcomes, confidence, t, cost_clearing, cost_wrong)[2] <= max_wrong]
    candidates = allowed or grid[-1:]
    return min(candidates, key=lambda t: (cost(outcomes, confidence, t, cost_clearing,
                                               cost_wrong)[0], t))


# An office needs this many out-of-fold predictions before it gets a threshold of its own;
# fewer keep the global one (a threshold fitted on a dozen requests fits their noise).
MIN_QUEUE_OUTCOMES = 40


def choose_queue_thresholds(outcomes: list[Outcome], confidence: Callable[[Outcome], float],
                            cost_clearing: float, cost_wrong: float,
                            max_wrong: float = MAX_WRONG,
                            min_outcomes: int = MIN_QUEUE_OUTCOMES) -> dict[str, float]:
    """A Clearing threshold per office (the best queue), for the least total cost with at most
    ``max_wrong`` of all requests confidently wrong.

    One global threshold holds back as many sure-looking requests of an office the model rarely
    confuses as of one it often does. Per office the cost is separable, so the cap is met with a
    price on each wrong route (a Lagrange multiplier): from none upwards, each office takes the
    threshold that is cheapest at that price, until the wrong routes of all offices together are
    under the cap. Offices with fewer than ``min_outcomes`` predictions keep the global threshold."""
    grid = [i / 100 for i in range(20, 100)]
    overall = choose_threshold(outcomes, confidence, cost_clearing, cost_wrong, max_wrong)
    by_queue: dict[str, list[Outcome]] = {}
    for o in outcomes:
        if o.best != "clearing":
            by_queue.setdefault(o.best, []).append(o)
    n = len(outcomes) or 1
    for price in range(0, 400, 2):
        chosen: dict[str, float] = {}
        wrong = 0
        for queue, members in sorted(by_queue.items()):
            if len(members) < min_outcomes:
                chosen[queue] = overall
            else:
                chosen[queue] = min(grid, key=lambda t, m=members: (
                    cost(m, confidence, t, cost_clearing, cost_wrong + price)[0], t))
            wrong += cost(members, confidence, chosen[queue], cost_clearing, cost_wrong)[2] \
                * len(members)
        if wrong / n <= max_wrong:
            return chosen
    return dict.fromkeys(by_queue, overall)


def urgent_recall(outcomes: list[Outcome], above: float) -> float:
    gold = [o for o in outcomes if o.urgent_gold]
    found = sum(o.urgent_rules or (not o.urgent_dismissed and o.urgent_p >= above) for o in gold)
    return found / len(gold) if gold else 1.0


# Thresholds of the urgency head, highest first (fewest false alarms). In steps of 0.005 and
# down to 0.01: as the corpus gained near misses the head's probabilities for indirect
# emergencies fell, and a floor at 0.05 no longer reached the target recall.
URGENT_GRID = tuple(i / 1000 for i in range(900, 9, -5))


def choose_urgent_above(outcomes: list[Outcome], target: float = URGENT_RECALL) -> float:
    return next((u for u in URGENT_GRID if urgent_recall(outcomes, u) >= target), URGENT_GRID[-1])


def summary(outcomes: list[Outcome], params: tuple[float, float, float], threshold: float,
            urgent_above: float, cost_clearing: float, cost_wrong: float,
            by_queue: dict[str, float] | None = None) -> dict[str, Any]:
    calibrated = lambda o: platt(o.confidence, *params, o.boost)  # noqa: E731
    _, clearing, wrong = cost(outcomes, calibrated, threshold, cost_clearing, cost_wrong)
    extra: dict[str, Any] = {}
    if by_queue:
        per_office = lambda o: platt(o.confidence, *params, o.boost) \
            - by_queue.get(o.best, threshold) + threshold  # noqa: E731
        _, q_clearing, q_wrong = cost(outcomes, per_office, threshold, cost_clearing, cost_wrong)
        extra = {"abstain_below_by_queue": by_queue, "oof_clearing_rate_by_queue":
                 round(q_clearing, 4), "oof_confidently_wrong_by_queue": round(q_wrong, 4)}
    return {
        **extra,
        "platt": [round(p, 4) for p in params], "abstain_below": threshold,
        "urgent_above": urgent_above, "out_of_fold": len(outcomes),
        "oof_clearing_rate": round(clearing, 4), "oof_confidently_wrong": round(wrong, 4),
        "oof_urgent_recall": round(urgent_recall(outcomes, urgent_above), 4),
        "cost_clearing": cost_clearing, "cost_wrong_office": cost_wrong,
    }


SIGNAL_SCALES = tuple(i / 10 for i in range(16))  # 0 … 1.5


def choose_signal_scale(evidence: list[tuple[dict[str, float], dict[str, float], str]],
                        labels: tuple[str, ...],
                        combine_scores: Callable[..., dict[str, float]]) -> float:
    """The scale of the signal weights (model probability × e^(scale × weight), combined by
    the engine's ``combine_scores``) that gets most out-of-fold labels right; ``evidence`` is
    (model probabilities, signal weights, gold label). Ties go to the scale nearest 1, the
    weights as the admin wrote them."""

    def right(scale: float) -> int:
        hits = 0
        for prior, boost, gold in evidence:
            scores = combine_scores(prior, boost, labels, scale)
            hits += max(scores, key=lambda k: scores[k]) == gold
        return hits

    if not evidence:
        return 1.0
    return max(SIGNAL_SCALES, key=lambda s: (right(s), -abs(s - 1.0)))
