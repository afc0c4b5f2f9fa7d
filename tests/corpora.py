"""Where the shared external corpora live: ``../shared/corpora`` beside the checkout.

Worktrees sit one level deeper than the main checkout, so the parents are searched.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def corpora_dir() -> Path | None:
    for parent in (ROOT, *ROOT.parents):
        candidate = parent / "shared" / "corpora"
        if candidate.is_dir():
            return candidate
    return None


def mime_corpus() -> list[Path]:
    base = corpora_dir()
    if base is None:
        return []
    return sorted(
        p for p in (base / "mime").rglob("*") if p.is_file() and "LICENSE" not in p.parts
    )
