"""Cross-validation grouped by source on the training slice: where model changes are chosen.

``python -m classifier.crossval`` trains five models, each on four folds of the training slice
(``holdout.fold_of``: one real situation stays in one fold; the template corpus is in every
fit), classifies the real requests of the fifth with the whole pipeline (model, signals,
örtliche Zuständigkeit, urgency rules) and prints the figures the choices in the README were
made on. The held-out slice is never touched here: it stays the final check of a choice made
on these figures, never the place it is made.

The calibration fitted in training is left out (five more fits per fold); the intent signal
scales are the bundled model's, so that only the model differs between two runs. The stacked
office network (classifier.stack) is cross-fitted over the five folds' out-of-fold evidence
(:func:`restack`), as training fits it for its calibration; ``--without-stack`` leaves it out.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from classifier import calibration, holdout, stack
from classifier.engine import Classifier, combine_scores, distinct_words
from classifier.evaluation import request_of
from classifier.model import Model, TrainingRow
from classifier.normalize import loosen
from classifier.signals import Signals
from classifier.training import corpus_rows, to_training_rows
from classifier.urgency import DISMISSED

URGENT_RECALL = 0.97
THRESHOLD = 0.5  # the shipped Clearing threshold (signals.yaml: abstain_below)
MAX_WRONG = (0.03, 0.05)
# The bundled model's fitted intent signal scales (German, other languages): fixed here, so a
# run measures the model and not a refit of the scales.
INTENT_SCALES = (0.0, 1.0)


@dataclass
class Prediction:
    """One out-of-fold request: gold labels and what the pipeline made of it."""

    row: dict[str, Any]
    best: str  # most probable queue (before abstention)
    confidence: float
    queue: str  # after the 0.5 threshold
    intent: str
    urgent_rules: bool  # signals and Widerspruch alone
    urgent_dismissed: bool
    urgent_p: float  # the urgency head's probability
    evidence: tuple[dict[str, float], dict[str, float], dict[str, float]]  # model's office
    # probabilities, signal weights, the network's other inputs (Classifier.queue_evidence)
    by_rule: bool  # office set by a rule whatever the scores (örtlich unzuständig, too short)
    long_enough: bool  # enough different words for the stacked network (stack.MIN_WORDS)

    @property
    def acceptable(self) -> set[str]:
        return {self.row["queue"], *(self.row.get("alt") or [])}

    @property
    def best_right(self) -> bool:
        return self.best in self.acceptable


def out_of_fold(train: Callable[[list[TrainingRow]], Model] = Model.train,
                rows: list[dict[str, Any]] | None = None, folds: int = holdout.FOLDS,
                signals: Signals | None = None, jobs: int = 1) -> list[Prediction]:
    from joblib import Parallel, delayed

    signals = signals or Signals.load()
    rows = rows if rows is not None else holdout.split(corpus_rows())[0]
    out: list[Prediction] = []
    for part in Parallel(n_jobs=jobs)(delayed(_fold)(train, rows, fold, signals)
                                      for fold in range(folds)):
        out += part
    return out


def _fold(train: Callable[[list[TrainingRow]], Model], rows: list[dict[str, Any]], fold: int,
          signals: Signals) -> list[Prediction]:
    out: list[Prediction] = []
    fit_rows = [r for r in rows if holdout.fold_of(r) != fold]
    test_rows = [r for r in rows if holdout.fold_of(r) == fold and r.get("source")
                 and r.get("queue")]
    model = train(to_training_rows(fit_rows, signals))
    model.meta.update(urgent_above=2.0, intent_signal_scale=INTENT_SCALES[0],
                      intent_signal_scale_other=INTENT_SCALES[1])
    clf = Classifier(signals, model, abstain_below=THRESHOLD)
    for row, result in zip(test_rows, clf.classify_many([request_of(r) for r in test_rows]),
                           strict=True):
        scores = result.queue_scores
        best = max(scores, key=lambda q: scores[q])
        confidence = scores[best]
        if result.queue == "extern" and best != "extern":  # örtlich unzuständig
            best, confidence = "extern", result.confidence
        f = model.vectorize(_text(row, signals))
        p = model.fine_probabilities(model.urgent_head, f).get(True, 0.0) \
            if model.urgent_head is not None else 0.0
        by_rule = any(r.startswith(("Örtlich unzuständig", "Zu wenig Text")) for r in result.reasons)
        out.append(Prediction(row, best, confidence, result.queue, result.intent,
                              result.urgent, any(r.startswith(DISMISSED)
                                                 for r in result.reasons), p,
                              clf.queue_evidence(request_of(row)), by_rule,
                              distinct_words(loosen(_text(row, signals)), stack.MIN_WORDS) >= stack.MIN_WORDS))
    return out


def restack(preds: list[Prediction], queues: tuple[str, ...]) -> list[Prediction]:
    """The predictions with the office decided by the stacked network (classifier.stack) as
    the bundled model decides it: each fold's by a network fitted on the other folds'
    out-of-fold evidence, as the calibration in training does."""
    out = []
    for fold in range(holdout.FOLDS):
        mine = [p for p in preds if holdout.fold_of(p.row) == fold]
        net = stack.fit([(*p.evidence, p.row["queue"]) for p in preds
                         if holdout.fold_of(p.row) != fold], queues)
        for p in mine:
            if net is None or p.by_rule or not p.long_enough:
                out.append(p)
                continue
            scores = stack.stacked(net, combine_scores(*p.evidence[:2], queues), *p.evidence)
            best = max(scores, key=lambda q: scores[q])
            queue = best if best != "clearing" and scores[best] >= THRESHOLD else "clearing"
            out.append(replace(p, best=best, confidence=scores[best], queue=queue))
    return out


def _text(row: dict[str, Any], signals: Signals) -> str:
    from classifier.normalize import normalize

    return normalize(f"{row.get('subject') or ''}\n{row.get('text') or ''}", signals.shorthand)


def right_at_most_wrong(preds: list[Prediction], max_wrong: float) -> tuple[float, float]:
    """(share routed rightly, threshold) at the lowest threshold on the combined confidence
    with at most ``max_wrong`` of all requests routed to a wrong office."""
    n = len(preds)
    ranked = sorted(preds, key=lambda p: -p.confidence)
    best, threshold, right, wrong = 0.0, 1.0, 0, 0
    for p in ranked:
        if p.best == "clearing":
            continue
        right += p.best_right
        wrong += not p.best_right
        if wrong / n <= max_wrong and right / n >= best:
            best, threshold = right / n, p.confidence
    return best, threshold


def urgent_figures(preds: list[Prediction], target: float = URGENT_RECALL) -> tuple[float, int]:
    """(threshold of the urgency head, false alarms) with rules and head together finding
    ``target`` of the emergencies, the threshold as training chooses it."""
    gold = [p for p in preds if p.row.get("urgent")]
    for above in calibration.URGENT_GRID:
        found = sum(p.urgent_rules or (not p.urgent_dismissed and p.urgent_p >= above)
                    for p in gold)
        if found >= target * len(gold):
            break
    alarms = sum(p.urgent_rules or (not p.urgent_dismissed and p.urgent_p >= above)
                 for p in preds if not p.row.get("urgent"))
    return above, alarms


def figures(preds: list[Prediction]) -> dict[str, Any]:
    n = len(preds)
    intents = [p for p in preds if p.row.get("intent")]
    above, alarms = urgent_figures(preds)
    out = {
        "n": n,
        "queue_first": sum(p.best_right for p in preds) / n,
        "queue_at_0.5": sum(p.queue in p.acceptable for p in preds) / n,
        "wrong_at_0.5": sum(p.queue != "clearing" and p.queue not in p.acceptable
                            for p in preds) / n,
        "intent": sum(p.intent == p.row["intent"] for p in intents) / len(intents),
        "urgent_head_above": above,
        "urgent_false_alarms": alarms,
        "urgent_rules_recall": sum(p.urgent_rules for p in preds if p.row.get("urgent"))
        / max(1, sum(bool(p.row.get("urgent")) for p in preds)),
    }
    for limit in MAX_WRONG:
        out[f"right_at_{limit:.0%}_wrong"] = right_at_most_wrong(preds, limit)[0]
    return out


def format_figures(f: dict[str, Any]) -> str:
    return "\n".join(f"{k:22} {v:.4f}" if isinstance(v, float) else f"{k:22} {v}"
                     for k, v in f.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=Path,
                        help="write the out-of-fold misses (queue, intent or urgency) as JSON lines")
    parser.add_argument("--jobs", type=int, default=1, help="folds trained at once")
    parser.add_argument("--without-stack", action="store_true",
                        help="offices by the fixed rule (model × e^signal weight), as before "
                             "mitgeliefert-30")
    args = parser.parse_args()
    preds = out_of_fold(jobs=args.jobs)
    if not args.without_stack:
        preds = restack(preds, Classifier(Signals.load(), None).queues)
    print(format_figures(figures(preds)))
    if args.misses:
        with args.misses.open("w", encoding="utf-8") as out:
            for p in preds:
                if (not p.best_right or p.intent != p.row.get("intent")
                        or (p.row.get("urgent") and not p.urgent_rules)):
                    out.write(json.dumps({**p.row, "predicted": p.best, "confidence":
                                          round(p.confidence, 3), "predicted_intent": p.intent,
                                          "urgent_rules": p.urgent_rules,
                                          "urgent_p": round(p.urgent_p, 3)},
                                         ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
