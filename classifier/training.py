"""Train a model from the project's corpus plus staff-confirmed examples.

Pure: rows in, :class:`~classifier.model.Model` out. Reading corrections from the database is
the CLI's job (``eingang train``), so the library stays free of I/O beyond the corpus files.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from classifier.evaluation import read_jsonl
from classifier.model import SUBLABEL, Model, TrainingRow
from classifier.normalize import normalize
from classifier.signals import Signals
from domain import Catalogue, default_catalogue

CORPUS_DIR = Path(__file__).parent / "corpus"
BUNDLED_VERSION = "mitgeliefert-1"


def corpus_rows(directory: Path | None = None) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for path in sorted((directory or CORPUS_DIR).glob("*.jsonl")):
        rows += read_jsonl(path)
    return rows


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
        text = normalize(f"{row.get('subject') or ''}\n{row.get('text') or ''}", signals.shorthand)
        out.append(TrainingRow(text, queue, intent))
    return out


def train(extra: Iterable[dict[str, Any]] = (), version: str | None = None,
          signals: Signals | None = None, corpus_dir: Path | None = None,
          extra_weight: int = 3, catalogue: Catalogue | None = None) -> Model:
    """Corpus + ``extra`` (staff corrections, repeated ``extra_weight`` times: one confirmed
    real request teaches more than one generated one)."""
    signals = signals or Signals.load()
    extra = list(extra)
    rows = corpus_rows(corpus_dir) + extra * extra_weight
    model = Model.train(to_training_rows(rows, signals, catalogue), version=version)
    model.meta["staff_examples"] = len(extra)
    return model
