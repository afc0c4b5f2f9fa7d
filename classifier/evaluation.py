"""Measure a classifier on labelled requests: the figures ``eingang evaluate`` prints.

Queue counts as right when it equals ``queue`` or one of ``alt``. "Confidently wrong" is a
request routed (not abstained) to a queue that is neither right nor acceptable: the costly error,
because nobody at the Clearing-Stelle looks at it.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier.types import ClassifyRequest
from domain import default_catalogue


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise ValueError(f"{path}:{n}: keine gültige JSON-Zeile ({exc})") from exc
    return rows


def request_of(row: dict[str, Any]) -> ClassifyRequest:
    return ClassifyRequest(text=row.get("text") or "", subject=row.get("subject") or "",
                           channel=row.get("channel") or "email")


def _macro_f1(pairs: list[tuple[str, str]], labels: tuple[str, ...]) -> float:
    scores = []
    for label in labels:
        tp = sum(1 for gold, pred in pairs if gold == label and pred == label)
        fp = sum(1 for gold, pred in pairs if gold != label and pred == label)
        fn = sum(1 for gold, pred in pairs if gold == label and pred != label)
        if tp + fp + fn == 0:
            continue  # label absent from gold and predictions: says nothing
        scores.append(2 * tp / (2 * tp + fp + fn))
    return sum(scores) / len(scores) if scores else 0.0


@dataclass
class Report:
    n: int = 0
    queue_correct: int = 0
    intent_correct: int = 0
    intent_total: int = 0
    urgent_true: int = 0
    # Urgent marks by (guessed by the model alone — "vielleicht dringend" —, truly urgent): the
    # emergencies found and the false alarms are read from them.
    urgent_marks: Counter[tuple[bool, bool]] = field(default_factory=Counter)
    abstained: int = 0
    confidently_wrong: int = 0
    queue_pairs: list[tuple[str, str]] = field(default_factory=list)
    intent_pairs: list[tuple[str, str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Per request: (row, queue right, intent right or None, urgent found or None) for the
    # breakdowns, and (confidence, best queue right, best queue is clearing) for the curve.
    outcomes: list[tuple[dict[str, Any], bool, bool | None, bool | None]] = field(
        default_factory=list)
    confidences: list[tuple[float, bool, bool]] = field(default_factory=list)
    # Per request with a calibrated model: (probability right, best queue, right, gold clearing,
    # örtlich unzuständig) for the per-office thresholds' point of the curve.
    calibrated: list[tuple[float, str, bool, bool, bool]] = field(default_factory=list)

    def marked(self, *, guessed: bool) -> int:
        return self.urgent_marks[guessed, True] + self.urgent_marks[guessed, False]

    @property
    def urgent_found(self) -> int:
        return self.urgent_marks[False, True] + self.urgent_marks[True, True]

    @property
    def urgent_false_alarms(self) -> int:
        return self.urgent_marks[False, False] + self.urgent_marks[True, False]

    def ratio(self, a: int, b: int) -> float:
        return a / b if b else 0.0

    @property
    def figures(self) -> dict[str, float]:
        return {
            "n": self.n,
            "queue_accuracy": self.ratio(self.queue_correct, self.n),
            "queue_macro_f1": _macro_f1(self.queue_pairs, _labels("queue")),
            "intent_accuracy": self.ratio(self.intent_correct, self.intent_total),
            "intent_macro_f1": _macro_f1(self.intent_pairs, _labels("intent")),
            "urgent_recall": self.ratio(self.urgent_found, self.urgent_true),
            "urgent_false_alarms": self.urgent_false_alarms,
            "urgent_certain_precision": self.ratio(self.urgent_marks[False, True], self.marked(guessed=False)),
            "urgent_guessed": self.marked(guessed=True),
            "urgent_guessed_precision": self.ratio(self.urgent_marks[True, True], self.marked(guessed=True)),
            "abstention_rate": self.ratio(self.abstained, self.n),
            "confidently_wrong_rate": self.ratio(self.confidently_wrong, self.n),
        }

    def confusion(self, which: str = "queue") -> tuple[list[str], list[list[int]]]:
        pairs = self.queue_pairs if which == "queue" else self.intent_pairs
        order = _labels(which)
        counts = Counter(pairs)
        labels = [lab for lab in order if any(lab in p for p in pairs)]
        return labels, [[counts[(g, p)] for p in labels] for g in labels]


def _labels(which: str) -> tuple[str, ...]:
    """The demo Kommune's queues or intents in their order: the evaluation sets (the shared
    data, the bundled corpus) are labelled with them. Built on use, not at import: the
    catalogue's holiday check loads every country of the holidays library (0.2 s)."""
    catalogue = default_catalogue()
    return tuple(catalogue.queue_keys if which == "queue" else catalogue.intent_keys)


BREAKDOWNS = (("queue", "Zuständigkeit"), ("intent", "Anliegen"), ("channel", "Kanal"),
              ("style", "Schreibweise"), ("language", "Sprache"))
CURVE = tuple(round(0.3 + 0.05 * i, 2) for i in range(14))  # thresholds 0.30 … 0.95


def breakdown(report: Report, key: str) -> list[dict[str, Any]]:
    """Per value of ``key`` (queue, intent, channel, style, language): n and accuracies."""
    groups: dict[str, list[tuple[dict[str, Any], bool, bool | None, bool | None]]] = {}
    for outcome in report.outcomes:
        value = outcome[0].get(key)
        if value not in (None, ""):
            groups.setdefault(str(value), []).append(outcome)
    out = []
    for value, items in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        intents = [o[2] for o in items if o[2] is not None]
        urgent = [o[3] for o in items if o[3] is not None]
        out.append({
            key: value, "n": len(items),
            "queue_accuracy": sum(o[1] for o in items) / len(items),
            "intent_accuracy": sum(intents) / len(intents) if intents else None,
            "urgent_recall": sum(urgent) / len(urgent) if urgent else None,
        })
    return out


def coverage_curve(report: Report, thresholds: tuple[float, ...] = CURVE,
                   cost_clearing: float = 1.0, cost_wrong: float = 6.0) -> list[dict[str, float]]:
    """What each Clearing threshold would do on these requests: the share routed (coverage),
    the accuracy of those routed, the share confidently wrong and the cost per request."""
    out = []
    n = len(report.confidences) or 1
    for t in thresholds:
        routed = [(right, gold_clearing) for conf, right, gold_clearing in report.confidences
                  if conf >= t]
        kept = [gold_clearing for conf, _, gold_clearing in report.confidences if conf < t]
        right = sum(r for r, _ in routed)
        wrong = len(routed) - right
        cost = cost_clearing * sum(not g for g in kept) + cost_wrong * wrong
        out.append({"threshold": t, "coverage": len(routed) / n,
                    "accuracy_routed": right / len(routed) if routed else 1.0,
                    "confidently_wrong": wrong / n, "cost_per_request": cost / n})
    return out


def per_office_point(report: Report, thresholds: dict[str, float], fallback: float,
                     cost_clearing: float = 1.0, cost_wrong: float = 6.0) -> dict[str, float]:
    """What a Clearing threshold per office (on the calibrated probability) does on these
    requests, as one point of :func:`coverage_curve`."""
    n = len(report.calibrated) or 1
    routed = [(right, gold_clearing) for p, best, right, gold_clearing, outside
              in report.calibrated
              if outside or (best != "clearing" and p >= thresholds.get(best, fallback))]
    kept = len(report.calibrated) - len(routed)
    kept_needless = kept - sum(
        gold_clearing for p, best, _, gold_clearing, outside in report.calibrated
        if not (outside or (best != "clearing" and p >= thresholds.get(best, fallback))))
    right = sum(r for r, _ in routed)
    wrong = len(routed) - right
    return {"coverage": len(routed) / n,
            "accuracy_routed": right / len(routed) if routed else 1.0,
            "confidently_wrong": wrong / n,
            "cost_per_request": (cost_clearing * kept_needless + cost_wrong * wrong) / n}


def evaluate(classifier, rows: list[dict[str, Any]]) -> Report:  # type: ignore[no-untyped-def]
    report = Report()
    probability_right = getattr(classifier, "probability_right", None)
    for row in rows:
        request = request_of(row)
        result = classifier.classify(request)
        report.n += 1
        gold = row.get("queue")
        acceptable = {gold, *(row.get("alt") or [])}
        right = result.queue in acceptable
        report.queue_correct += right
        # For the confusion matrix an acceptable alternative counts as the gold label.
        report.queue_pairs.append((gold, gold if right else result.queue))
        if row.get("intent"):
            report.intent_total += 1
            report.intent_correct += result.intent == row["intent"]
            report.intent_pairs.append((row["intent"], result.intent))
        report.urgent_true += bool(row.get("urgent"))
        if result.urgent:
            report.urgent_marks[result.urgent_guessed, bool(row.get("urgent"))] += 1
        report.outcomes.append((
            row, right, result.intent == row["intent"] if row.get("intent") else None,
            bool(result.urgent) if row.get("urgent") else None))
        scores = result.queue_scores or {result.queue: result.confidence}
        best = max(scores, key=lambda q: scores[q])
        if result.queue == "extern" and best != "extern":  # örtlich unzuständig
            best = "extern"
        report.confidences.append((0.0 if best == "clearing" else result.confidence,
                                   best in acceptable, "clearing" in acceptable))
        if probability_right is not None \
                and (p := probability_right(request, result)) is not None:
            outside = result.referral_to == "andere Kommune" and result.queue == "extern"
            report.calibrated.append((p, best, best in acceptable, "clearing" in acceptable,
                                      outside))
        report.abstained += result.queue == "clearing"
        if not right and result.queue != "clearing":
            report.confidently_wrong += 1
        if not right or result.intent != row.get("intent") or bool(row.get("urgent")) > result.urgent:
            report.errors.append({
                "id": row.get("id"), "queue": gold, "predicted": result.queue,
                "confidence": result.confidence, "intent": row.get("intent"),
                "predicted_intent": result.intent, "urgent": row.get("urgent"),
                "predicted_urgent": result.urgent,
            })
    return report


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def format_breakdowns(report: Report) -> list[str]:
    lines = []
    for key, title in BREAKDOWNS:
        rows = breakdown(report, key)
        if not rows:
            continue
        width = max(len(r[key]) for r in rows) + 2
        lines += ["", f"Nach {title}:",
                  f"{'':{width}}{'n':>5} {'Zuständ.':>9} {'Anliegen':>9} {'Dringend':>9}"]
        lines += [f"{r[key]:{width}}{r['n']:>5} {_pct(r['queue_accuracy']):>9} "
                  f"{_pct(r['intent_accuracy']):>9} {_pct(r['urgent_recall']):>9}" for r in rows]
    return lines


def _near(point: float, threshold: float | None) -> bool:
    return threshold is not None and abs(point - threshold) < 0.025


def format_curve(report: Report, threshold: float | None, cost_clearing: float,
                 cost_wrong: float, by_cost: float | None = None,
                 by_office: tuple[dict[str, float], float] | None = None,
                 per_office_set: bool = False) -> list[str]:
    """The coverage/accuracy curve; ``per_office_set``: the per-office thresholds are the
    ones in use (``abstain_below: auto_per_office``), not only shown."""
    lines = ["", "Abdeckung und Genauigkeit je Clearing-Schwelle (Kosten: Clearing "
             f"{cost_clearing:g}, falsches Fachamt {cost_wrong:g}):",
             "Schwelle  geroutet  richtig davon  sicher falsch  Kosten je Anfrage"]
    for p in coverage_curve(report, cost_clearing=cost_clearing, cost_wrong=cost_wrong):
        mark = (" ◀ eingestellt" if _near(p["threshold"], threshold) else "") + (
            " ◀ aus den Kosten" if _near(p["threshold"], by_cost) else "")
        lines.append(f"{p['threshold']:>8.2f}  {p['coverage']:>8.1%}  {p['accuracy_routed']:>12.1%}  "
                     f"{p['confidently_wrong']:>13.1%}  {p['cost_per_request']:>17.2f}{mark}")
    if by_office and report.calibrated:
        thresholds, fallback = by_office
        p = per_office_point(report, thresholds, fallback, cost_clearing, cost_wrong)
        shown = ", ".join(f"{q} {t:.2f}" for q, t in sorted(thresholds.items()))
        lines.append(f"{'je Amt':>8}  {p['coverage']:>8.1%}  {p['accuracy_routed']:>12.1%}  "
                     f"{p['confidently_wrong']:>13.1%}  {p['cost_per_request']:>17.2f}"
                     f" ◀ {'eingestellt: ' if per_office_set else ''}aus den Kosten je Fachamt (kalibriert)")
        lines.append(f"  Schwellen je Fachamt: {shown}; sonst {fallback:.2f}")
    return lines


def format_report(report: Report, threshold: float | None = None, cost_clearing: float = 1.0,
                  cost_wrong: float = 6.0, by_cost: float | None = None,
                  by_office: tuple[dict[str, float], float] | None = None,
                  per_office_set: bool = False) -> str:
    f = report.figures
    lines = [
        f"Anfragen: {f['n']}",
        f"Zuständigkeit (queue) – Genauigkeit: {f['queue_accuracy']:.1%}, Makro-F1: {f['queue_macro_f1']:.3f}",
        f"Anliegen (intent) – Genauigkeit: {f['intent_accuracy']:.1%}, Makro-F1: {f['intent_macro_f1']:.3f}",
        f"Dringend – Recall: {f['urgent_recall']:.1%} ({report.urgent_found}/{report.urgent_true}), "
        f"Fehlalarme: {f['urgent_false_alarms']}",
        f"  davon sicher (Regel oder Frist): {report.marked(guessed=False)} markiert, "
        f"{f['urgent_certain_precision']:.1%} wirklich dringend; vielleicht (nur Modell): "
        f"{report.marked(guessed=True)} markiert, {f['urgent_guessed_precision']:.1%} wirklich dringend",
        f"Enthaltungsquote (Clearing): {f['abstention_rate']:.1%}",
        f"Sicher falsch geroutet (falsches Fachamt): {f['confidently_wrong_rate']:.1%} "
        f"({report.confidently_wrong}/{report.n})",
    ]
    for which, title in (("queue", "Zuständigkeit"), ("intent", "Anliegen")):
        labels, matrix = report.confusion(which)
        width = max([len(x) for x in labels] + [6])
        lines.append("")
        lines.append(f"Konfusionsmatrix {title} (Zeile = richtig, Spalte = vorhergesagt):")
        lines.append(" " * (width + 1) + " ".join(lab[:6].rjust(6) for lab in labels))
        for lab, row in zip(labels, matrix, strict=True):
            lines.append(lab.ljust(width) + " " + " ".join(str(c).rjust(6) for c in row))
    lines += format_breakdowns(report)
    lines += format_curve(report, None if per_office_set else threshold, cost_clearing, cost_wrong,
                          by_cost, by_office, per_office_set)
    return "\n".join(lines)
