"""Train a model from the project's corpus plus staff-confirmed examples.

Pure: rows in, :class:`~classifier.model.Model` out. Reading corrections from the database is
the CLI's job (``eingang train``), so the library stays free of I/O beyond the corpus files.

The corpus is the real-situation requests (``corpus/real/``) with the template corpus
(``corpus/train.jsonl``) as a weighted-down minority; the held-out slice of the real corpus
(``holdout``) is never trained on, so ``eingang evaluate --korpus-test`` measures honestly.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from classifier import calibration, holdout, stack
from classifier.evaluation import read_jsonl, request_of
from classifier.model import SUBLABEL, Model, TrainingRow
from classifier.normalize import normalize
from classifier.signals import Signals
from classifier.urgency import DISMISSED
from domain import Catalogue, default_catalogue

CORPUS_DIR = Path(__file__).parent / "corpus"
BUNDLED_VERSION = "mitgeliefert-37"
TEMPLATE_WEIGHT = 0.5  # a generated request teaches less than a retold real one


def corpus_rows(directory: Path | None = None) -> list[dict[str, Any]]:
    """Template corpus and real-situation corpus (without the source sidecars)."""
    base = directory or CORPUS_DIR
    rows: list[dict[str, Any]] = []
    for path in [*sorted(base.glob("*.jsonl")), *sorted(base.glob("real/*.jsonl"))]:
        if not path.name.startswith("sources-"):
            rows += read_jsonl(path)
    return rows


def held_out_rows(directory: Path | None = None) -> list[dict[str, Any]]:
    """The real-corpus test slice: situations no bundled model was trained on."""
    return holdout.split(corpus_rows(directory))[1]


def to_training_rows(rows: Iterable[dict[str, Any]], signals: Signals,
                     catalogue: Catalogue | None = None) -> list[TrainingRow]:
    """Rows labelled with the catalogue's queues and intents (an office added in the console
    is learnt from the staff's corrections to it)."""
    catalogue = catalogue or default_catalogue()
    queues, intents = set(catalogue.queue_keys), set(catalogue.intent_keys)
    out = []
    for row in rows:
        queue = row.get("queue") if row.get("queue") in queues else None
        if queue == "extern" and row.get("referral_to"):
            # Each referral body is its own class: "extern" as one class would be a mixture
            # whose only common words are "beantragen" and "ich", so it would pull in everything.
            queue = f"extern{SUBLABEL}{row['referral_to']}"
        intent = row.get("intent") if row.get("intent") in intents else None
        if not (queue or intent):
            continue
        urgent = row.get("urgent")
        text = normalize(f"{row.get('subject') or ''}\n{row.get('text') or ''}", signals.shorthand)
        out.append(TrainingRow(text, queue, intent, bool(urgent) if urgent is not None else None,
                               holdout.group_of(row),
                               1.0 if row.get("source") or row.get("staff") else TEMPLATE_WEIGHT,
                               retold=bool(row.get("source")) and not row.get("staff")))
    return out


def train(extra: Iterable[dict[str, Any]] = (), version: str | None = None,
          signals: Signals | None = None, corpus_dir: Path | None = None,
          extra_weight: int = 3, catalogue: Catalogue | None = None,
          calibrate: bool = True) -> Model:
    """Corpus (without its held-out slice) + ``extra`` (staff corrections, repeated
    ``extra_weight`` times: one confirmed real request teaches more than one generated one).
    ``calibrate`` fits confidence and thresholds on out-of-fold predictions (five more fits)."""
    signals = signals or Signals.load()
    extra = [{**row, "staff": True} for row in extra]
    corpus = holdout.split(corpus_rows(corpus_dir))[0]
    rows = corpus + extra * extra_weight
    model = Model.train(to_training_rows(rows, signals, catalogue), version=version)
    model.meta["staff_examples"] = len(extra)
    model.meta["corpus_rows"] = {"ids": sorted(str(r.get("id")) for r in corpus),
                                 "sha256": rows_digest(corpus)}
    model.meta["held_out_share"] = holdout.TEST_SHARE
    if calibrate:
        fitted = fit_calibration(rows, signals, catalogue)
        model.queue_stack = fitted.pop("queue_stack")
        model.meta.update(fitted, queue_stack=model.queue_stack is not None)
    return model


def rows_digest(rows: Iterable[dict[str, Any]]) -> str:
    """Digest of the rows' ids, texts and labels: tells whether a model was trained on exactly
    these rows (the corpus may have grown since; rows it was trained on must not change)."""
    import hashlib

    lines = sorted("\t".join(str(r.get(k)) for k in ("id", "subject", "text", "queue", "alt",
                                                      "intent", "urgent", "referral_to"))
                   for r in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def fit_calibration(rows: list[dict[str, Any]], signals: Signals,
                    catalogue: Catalogue | None = None) -> dict[str, Any]:
    """Out-of-fold predictions for the real requests (folds by real situation), then the
    signal scales, the stacked office network (under ``queue_stack``, not for the metadata)
    and the calibration and thresholds fitted on them."""
    from classifier.engine import Classifier, combine_scores

    catalogue = catalogue or default_catalogue()
    folds = []
    for fold in range(holdout.FOLDS):
        fit_rows = [r for r in rows if holdout.fold_of(r) != fold]
        # Calibrated on real requests only: generated ones are easier and would make the
        # model look surer than it is on what citizens write.
        test_rows = [r for r in rows if holdout.fold_of(r) == fold and r.get("queue")
                     and (r.get("source") or r.get("staff"))]
        model = Model.train(to_training_rows(fit_rows, signals, catalogue))
        model.meta["urgent_above"] = 2.0  # the rules alone; the head's p is read below
        folds.append((Classifier(signals, model, abstain_below=0.0, catalogue=catalogue),
                      test_rows))
    # The intent signals' scale first: the intent decides whether a Widerspruch's deadline
    # runs, which the urgency threshold below depends on.
    # German and other-language requests get a scale each: the model has learnt the German
    # cue words itself, while for the few requests in other languages the signal words (which
    # list their cue words) carry most of what is known.
    evidence = [(*clf.intent_evidence(request_of(row)), row["intent"])
                for clf, test_rows in folds for row in test_rows if row.get("intent") in clf.intents]
    intent_scale, other_scale = (
        calibration.choose_signal_scale([(prior, boost, gold) for prior, boost, german, gold
                                         in evidence if german == wanted],
                                        catalogue.intent_keys, combine_scores)
        for wanted in (True, False))
    # The stacked office network (classifier.stack) next: the final model's is fitted on every
    # fold's out-of-fold evidence; the calibration below must see what it will see on new
    # requests, so each fold is scored by a network fitted on the other folds' evidence only.
    queue_evidence = [[(*clf.queue_evidence(request_of(row)), row["queue"]) for row in test_rows]
                      for clf, test_rows in folds]
    queues = folds[0][0].queues
    for k, (clf, _) in enumerate(folds):
        clf.model.queue_stack = stack.fit([e for j, part in enumerate(queue_evidence) if j != k
                                           for e in part], queues)
    queue_stack = stack.fit([e for part in queue_evidence for e in part], queues)
    outcomes: list[calibration.Outcome] = []
    for clf, test_rows in folds:
        clf.model.meta["intent_signal_scale"] = intent_scale
        clf.model.meta["intent_signal_scale_other"] = other_scale
        outcomes += [outcome(clf, row) for row in test_rows]
    params = calibration.fit_platt(outcomes)
    cost_clearing, cost_wrong = signals.cost_clearing, signals.cost_wrong_office
    calibrated = lambda o: calibration.platt(o.confidence, *params, o.boost)  # noqa: E731
    threshold = calibration.choose_threshold(outcomes, calibrated, cost_clearing, cost_wrong)
    by_queue = calibration.choose_queue_thresholds(outcomes, calibrated, cost_clearing,
                                                   cost_wrong)
    urgent_above = calibration.choose_urgent_above(outcomes)
    return {**calibration.summary(outcomes, params, threshold, urgent_above, cost_clearing,
                                  cost_wrong, by_queue),
            "intent_signal_scale": intent_scale, "intent_signal_scale_other": other_scale,
            "queue_stack": queue_stack}


def outcome(clf: Any, row: dict[str, Any]) -> calibration.Outcome:
    result = clf.classify(request_of(row))
    best = max(result.queue_scores, key=lambda q: result.queue_scores[q])
    raw = result.queue_scores[best]
    boost = clf.signal_boost(request_of(row), best)
    if result.queue == "extern" and best != "extern":  # örtlich unzuständig, whatever the topic
        best, raw = "extern", result.confidence
    model = clf.model
    p = model.fine_probabilities(model.urgent_head, model.vectorize(
        normalize(f"{row.get('subject') or ''}\n{row.get('text') or ''}", clf.signals.shorthand)
    )).get(True, 0.0) if model.urgent_head is not None else 0.0
    return calibration.Outcome(
        confidence=raw, boost=boost, best=best,
        acceptable={row["queue"], *(row.get("alt") or [])},
        urgent_gold=bool(row.get("urgent")), urgent_rules=result.urgent,
        urgent_dismissed=any(r.startswith(DISMISSED) for r in result.reasons), urgent_p=p,
    )
