"""The office decision's last step: the model's office probabilities and the signal words'
weights per office, read together by a small network fitted on out-of-fold predictions, which
corrects the fixed rule.

The fixed rule (model probability × e^weight, normalised again: ``engine.combine_scores``)
trusts a signal word as much next to a model that is sure of another office as next to one that
is unsure, and each office's words alike. The network learns from the training slice's
out-of-fold predictions how far to trust which in which situation: a Jobcenter word beside a
model sure of the Familienkasse (often a household on Bürgergeld reporting its Kindergeld) counts
for more than the rule gives it — 38 % for the Jobcenter where the rule gives it under 1 %, for a
Bürgergeld household sending in its Kindergeld Bescheid, still too little to win alone —, a word
of the Sozialamt's (an age, a funeral) beside a model sure of the Jobcenter likewise. The
decision takes the geometric mean of both
(:data:`SHARE`, :func:`blend`). A gradient-boosted meta-model did about as well as the network
but took 6 ms a request; the network's arithmetic is two small matrix products
(:meth:`QueueStack.probabilities`).

Since `mitgeliefert-33` it also reads the text's cues and topics (classifier.cues.network_inputs:
a stated age, a pension, an asylum seeker's accommodation, Kindergeld or Elterngeld, „angerechnet“
…, in all the corpus's languages), so that it can weigh the model's view against the fact that
decides between two offices, which a linear head over single words does not combine. Since
`mitgeliefert-35` it reads two more views of the model (Model.network_view): its intent
probabilities, and the offices of the ten nearest training requests (classifier.neighbours),
which recognise a situation the corpus has seen from another source as a whole.
Since `mitgeliefert-36` three such networks, fitted with three seeds, are averaged (ENSEMBLE).

Its inputs are the offices it was fitted with. Where the Kommune's catalogue has an office the
model does not know yet, that office keeps the share the fixed rule gives it and the network
divides the rest among the offices it knows (engine.Classifier._queue_scores); where the model
failed and the engine fell back to a uniform prior, the fixed rule decides alone.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# How far the network's probabilities replace the fixed rule's: the decision takes their
# geometric mean (weights SHARE and 1 − SHARE, normalised again). The network alone did a little
# better in cross-validation, but where the corpus has few requests it extrapolates: a request
# that only says „Ich bekomme ALG II und habe eine Frage zur Miete“ (the model reads
# „Arbeitslosengeld“ and is 92 % sure of the Agentur; the signal word is the Jobcenter's at full
# weight) went to the Agentur with 80 %, as six such requests in 14,040 could not teach it
# otherwise. Half and half keeps the admin's terms of art decisive there (Jobcenter 60 %) and
# most of the gain: cross-validation (14,040 requests, cross-fitted) office first 89.91 →
# 90.58 % (network alone 90.67 %), right at 0.5 88.37 → 88.97 % (88.75 %), wrong at 0.5 7.48 →
# 6.93 % (6.64 %), right with at most 3 % wrong 73.3 → 76.0 % (76.4 %); without the örtliche
# Zuständigkeit's override, which the figures of classifier/README.md include.
# With more inputs (the cues and topics, the intents, the neighbours' votes) and three networks
# averaged (ENSEMBLE), the network earned more of the say: out of fold (23,395 requests, corpus
# through batch `vd`, cross-fitted), one network at 0.5 against three at 0.35: office first 91.12 →
# 91.36 %, right at 0.5 89.94 → 90.33 %, wrong at 0.5 6.72 → 6.48 %, right with at most 3 %
# wrong 77.72 → 78.65 %; three networks at 0.5, 0.25 or 0.15 gave 91.13 / 91.37 / 91.39 % first
# and 77.85 / 78.62 / 78.99 %. 0.35 keeps more of the fixed rule for the sparse cases above.
SHARE = 0.35
# Texts with fewer different words (of three letters or more) keep the fixed rule alone. The
# corpus the network learns from has 13 or more in 95 of 100 requests, so on shorter ones it
# guesses from too few examples, and there the model's probabilities say least and an admin's
# term of art most: „أحصل على بورغرغيلد ولدي سؤال عن الدفع“ (I get Bürgergeld and have a
# question about the payment) went to Clearing with the network, where the Jobcenter's word
# decides. In cross-validation the guard changed nothing measurable (right at 0.5 88.97 →
# 88.95 %, right with at most 3 % wrong 75.98 → 76.16 %).
MIN_WORDS = 12
# Units of the one hidden layer. Out of fold (the same 14,040), 32 units ordered worse (right with
# at most 3 % wrong 75.9 against 76.4 %); two layers (64, 32) put the right office first less
# often (90.53 against 90.67 %) for more right at 0.5 (89.19 against 88.75 %). With the text's
# cues and topics as inputs (since `mitgeliefert-33`; 16,080 requests, cross-fitted) 128 units
# against 64: right at 0.5 89.27 against 89.10 %, first 90.63 against 90.62 %.
HIDDEN = 128
# Networks fitted with as many seeds and averaged (their logits: one network of ENSEMBLE × HIDDEN
# units, so a bundle still holds one). Alone, a seed moves the figures by 0.1–0.2 points; three
# averaged were steadier and better (see SHARE), five no better than three (91.37 % first).
ENSEMBLE = 3
ALPHA = 1e-3  # L2 penalty of the network's weights
FLOOR = 1e-6  # the smallest probability whose logarithm is taken (as engine.combine_scores)


Inputs = dict[str, float]  # by name: the text's cues and topics (classifier.cues.network_inputs),
# the intent probabilities and the neighbours' votes (Model.network_view)


def features(classes: Sequence[str], prior: dict[str, float], boost: dict[str, float],
             inputs: Inputs | None = None, names: Sequence[str] = ()) -> np.ndarray:
    """Per office its log model probability, then per office its signal weight, then the
    inputs ``names`` (0 where ``inputs`` lacks one)."""
    inputs = inputs or {}
    return np.array([math.log(max(prior.get(q, 0.0), FLOOR)) for q in classes]
                    + [boost.get(q, 0.0) for q in classes] + [inputs.get(n, 0.0) for n in names])


@dataclass
class QueueStack:
    """A fitted network: standardised inputs, ReLU hidden layers, softmax over ``classes``.
    Plain arrays only, so a bundle reads without scikit-learn (classifier.lightload)."""

    classes: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]
    # The names of the inputs it reads (classifier.cues.INPUT_NAMES, since `mitgeliefert-35`
    # also Model.network_view's); empty in networks fitted before `mitgeliefert-33`, which
    # read none.
    inputs: tuple[str, ...] = ()

    def features(self, prior: dict[str, float], boost: dict[str, float],
                 inputs: Inputs | None = None) -> np.ndarray:
        return features(self.classes, prior, boost, inputs, self.inputs)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        """Rows of :meth:`features` → rows of probabilities over :attr:`classes`."""
        h = (np.atleast_2d(x) - self.mean) / self.scale
        for w, b in zip(self.weights[:-1], self.biases[:-1], strict=True):
            h = np.maximum(h @ w + b, 0.0)
        z = h @ self.weights[-1] + self.biases[-1]
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)

    def scores(self, prior: dict[str, float], boost: dict[str, float],
               inputs: Inputs | None = None) -> dict[str, float]:
        p = self.probabilities(self.features(prior, boost, inputs))[0]
        return {q: float(v) for q, v in zip(self.classes, p, strict=True)}


def blend(fixed: dict[str, float], net: dict[str, float], share: float = SHARE) -> dict[str, float]:
    """The geometric mean of two distributions over the same offices (``fixed`` weighted
    ``share``), normalised to 1 over them."""
    logs = {q: share * math.log(max(fixed[q], FLOOR * FLOOR))
            + (1 - share) * math.log(max(net.get(q, 0.0), FLOOR * FLOOR)) for q in fixed}
    top = max(logs.values())
    exp = {q: math.exp(v - top) for q, v in logs.items()}
    total = sum(exp.values())
    return {q: v / total for q, v in exp.items()}


def stacked(net: QueueStack | None, fixed: dict[str, float], prior: dict[str, float],
            boost: dict[str, float], inputs: Inputs | None = None) -> dict[str, float]:
    """The office decision with the network: ``fixed`` (the fixed rule's probabilities over
    all offices) where the offices ``net`` knows share what the fixed rule leaves them by
    :func:`blend`; offices it does not know keep their share. Without a network, with fewer
    than two offices it knows, or with a uniform ``prior`` (a failed model): ``fixed``."""
    known = [q for q in fixed if net is not None and q in net.classes]
    if net is None or len(known) < 2 or len(set(prior.values())) < 2:
        return fixed
    blended = blend({q: fixed[q] for q in known}, net.scores(prior, boost, inputs))
    share = sum(fixed[q] for q in known)
    return {**fixed, **{q: share * p for q, p in blended.items()}}


def fit(evidence: Sequence[tuple], classes: Sequence[str], seed: int = 0,
        names: Sequence[str] | None = None) -> QueueStack | None:
    """Fit the network on out-of-fold predictions: (model probabilities, signal weights, the
    other inputs by name, right office), or without the other inputs (then it reads none); None where that cannot teach it (fewer than three offices among the answers, too
    few requests). Its offices are those among ``classes`` that some answer has: an office
    the evidence never names (a Kommune's new office before staff have confirmed any of its
    requests) is left to the fixed rule, which routes it by its keywords. ``names``: the cue
    and topic inputs it reads (default: every one, classifier.cues.INPUT_NAMES, and whatever
    else the evidence's inputs name: the neighbours' votes and the intent probabilities of
    Model.network_view)."""
    from sklearn.neural_network import MLPClassifier

    from classifier.cues import INPUT_NAMES

    rows = [(e[0], e[1], e[2] if len(e) == 4 else None, e[-1]) for e in evidence]
    if names is None:  # the cues and topics, then what the evidence has of the model's view
        present = {n for _, _, inputs, _ in rows if inputs is not None for n in inputs}
        names = INPUT_NAMES + tuple(sorted(present - set(INPUT_NAMES))) \
            if any(inputs is not None for _, _, inputs, _ in rows) else ()
    answers = {gold for *_, gold in rows}
    classes = tuple(q for q in classes if q in answers)
    rows = [row for row in rows if row[-1] in classes]
    if len(classes) < 3 or len(rows) < 50:
        return None
    x = np.array([features(classes, p, b, inputs, names) for p, b, inputs, _ in rows])
    y = [gold for *_, gold in rows]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    nets = [MLPClassifier(hidden_layer_sizes=(HIDDEN,), alpha=ALPHA, max_iter=500,
                          early_stopping=True, random_state=seed + k).fit((x - mean) / scale, y)
            for k in range(ENSEMBLE)]
    order = [list(nets[0].classes_).index(q) for q in classes]  # scikit-learn sorts its classes
    # One hidden layer each: side by side they are one wider layer, and the output layer that
    # takes the mean of their logits is theirs stacked, each divided by their number.
    hidden_w = np.hstack([n.coefs_[0] for n in nets])
    hidden_b = np.concatenate([n.intercepts_[0] for n in nets])
    out_w = np.vstack([n.coefs_[1][:, order] for n in nets]) / len(nets)
    out_b = np.mean([n.intercepts_[1][order] for n in nets], axis=0)
    return QueueStack(classes, mean, scale, [hidden_w, out_w], [hidden_b, out_b], tuple(names))
