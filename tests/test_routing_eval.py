"""Table-driven check of the default rule set (after the classifier) on the evaluation requests.

``../shared/eval/requests.jsonl`` is for measuring only: nothing here tunes on single items.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier import ClassifyRequest, load_classifier
from routing import RoutingConfig, RoutingInput, route

ROOT = Path(__file__).resolve().parents[1]
# ``../shared`` beside the checkout; worktrees one level deeper find it one level up.
EVAL = next(
    (p for p in (ROOT.parent / "shared/eval/requests.jsonl", ROOT.parents[1] / "shared/eval/requests.jsonl") if p.exists()),
    ROOT.parent / "shared/eval/requests.jsonl",
)
OLDENBURG = frozenset(["26121", "26122", "26123", "26125", "26127", "26129", "26131", "26133", "26135"])
MIN_ACCURACY = 0.92


@pytest.fixture(scope="module")
def decisions() -> list[tuple[dict, object]]:
    requests = [json.loads(line) for line in EVAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    classifier = load_classifier()
    config = RoutingConfig(postcodes=OLDENBURG)
    out = []
    for r in requests:
        c = classifier.classify(ClassifyRequest(text=r["text"], subject=r["subject"], channel=r["channel"]))
        inp = RoutingInput(channel=r["channel"], subject=r["subject"], text=r["text"], classification=c.to_dict())
        out.append((r, route(inp, config)))
    return out


def test_final_queue_right_for_at_least_92_percent(decisions, request) -> None:
    baseline = load_classifier().classify(ClassifyRequest(text="x")).model_version == "baseline-keywords"
    if baseline:
        # The keyword baseline of issue 2 reaches about 58 %; the classifier of issue 5 must
        # lift this. Strict: once the bar is met with the baseline this marker must go.
        request.applymarker(pytest.mark.xfail(reason="Baseline-Klassifikator (Issue 5 offen)", strict=True))
    wrong = [
        f"{r['id']}: {d.queue} statt {r['queue']}"
        for r, d in decisions
        if d.queue != r["queue"] and d.queue not in r.get("alt", [])
    ]
    accuracy = 1 - len(wrong) / len(decisions)
    assert accuracy >= MIN_ACCURACY, f"{accuracy:.1%} richtig; falsch: {wrong}"


def test_every_extern_decision_carries_a_referral(decisions) -> None:
    for r, d in decisions:
        if d.queue == "extern":
            assert d.referral_to, r["id"]
            assert d.action == "refer", r["id"]


def test_every_decision_explains_itself(decisions) -> None:
    for r, d in decisions:
        assert d.explanation[0].startswith("Klassifikator"), r["id"]
        assert d.explanation[-1].startswith("Ergebnis"), r["id"]
        assert len(d.trace) >= len(d.matched_rules) >= 1 or d.queue == "clearing", r["id"]
