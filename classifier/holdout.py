"""The held-out slice of the real-situation corpus, chosen by source.

The variants of one real situation (the applicant, a relative, a phone note …) resemble each
other, so a random split would test on near-copies of training requests. A source is in the
test slice or in training as a whole, decided by a hash of its name: stable as the corpus grows
(a source never changes sides), and not chosen by anyone looking at the texts.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

TEST_SHARE = 0.2  # of the sources
FOLDS = 5  # for the out-of-fold predictions calibration is fitted on


def bucket(source: str, buckets: int = 100) -> int:
    return int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) % buckets


def group_of(row: dict[str, Any]) -> str:
    """The real situation a row retells; a template row is its own group."""
    return str(row.get("source") or row.get("id") or row.get("text", "")[:80])


def is_held_out(row: dict[str, Any]) -> bool:
    """True for rows of the test slice: real-corpus rows (they have a source) whose source
    falls into the first ``TEST_SHARE`` of the buckets."""
    return bool(row.get("source")) and bucket(str(row["source"])) < TEST_SHARE * 100


def split(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(training rows, held-out rows)."""
    train, test = [], []
    for row in rows:
        (test if is_held_out(row) else train).append(row)
    return train, test


def fold_of(row: dict[str, Any]) -> int:
    """Fold for cross-fitting inside the training slice; one situation stays in one fold.
    Salted so that the folds do not follow the test split's buckets."""
    return bucket("fold:" + group_of(row), FOLDS)
