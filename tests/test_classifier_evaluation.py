"""The evaluation figures, checked against a classifier whose answers are fixed."""

from __future__ import annotations

from dataclasses import dataclass

from classifier.evaluation import evaluate, format_report
from classifier.types import Classification, ClassifyRequest


@dataclass
class Fixed:
    answers: dict[str, tuple[str, str, bool]]  # text → (queue, intent, urgent)

    def classify(self, request: ClassifyRequest) -> Classification:
        queue, intent, urgent = self.answers[request.text]
        return Classification(queue=queue, confidence=0.9, intent=intent, urgent=urgent,
                              abstained=queue == "clearing")


ROWS = [
    {"text": "a", "queue": "jobcenter", "alt": [], "intent": "antrag", "urgent": True},
    {"text": "b", "queue": "wohngeld", "alt": ["sozialamt"], "intent": "antrag", "urgent": False},
    {"text": "c", "queue": "sozialamt", "alt": [], "intent": "auskunft", "urgent": True},
    {"text": "d", "queue": "extern", "alt": [], "intent": "auskunft", "urgent": False},
]


def test_figures() -> None:
    clf = Fixed({
        "a": ("jobcenter", "antrag", True),  # right
        "b": ("sozialamt", "antrag", False),  # an accepted alternative: right
        "c": ("clearing", "antrag", False),  # abstained: wrong, but not confidently
        "d": ("wohngeld", "auskunft", True),  # confidently wrong Fachamt, false alarm
    })
    report = evaluate(clf, ROWS)
    f = report.figures
    assert f["queue_accuracy"] == 0.5
    assert f["intent_accuracy"] == 0.75
    assert f["urgent_recall"] == 0.5 and f["urgent_false_alarms"] == 1
    assert f["abstention_rate"] == 0.25
    assert f["confidently_wrong_rate"] == 0.25
    labels, matrix = report.confusion("queue")
    assert matrix[labels.index("extern")][labels.index("wohngeld")] == 1
    assert matrix[labels.index("wohngeld")][labels.index("wohngeld")] == 1  # alt counted right
    assert "Konfusionsmatrix" in format_report(report)
    assert {e["id"] for e in report.errors} == {None}  # rows without id are still listed
    assert len(report.errors) == 2  # c and d; b is right by its alternative
