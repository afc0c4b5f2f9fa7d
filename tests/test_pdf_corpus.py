"""Every PDF of the shared corpus gives an extraction (text or a problem); linn.pdf against its transcript."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from extraction import Limits, extract, sniff_media_type

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "pdf"
FILES = sorted(
    p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".pdf", ".png", ".jpg", ".tif")
) if CORPUS.exists() else []

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not FILES, reason="../shared/corpora/pdf missing")]


def word_accuracy(recognised: str, reference: str) -> float:
    """Share of the reference's words that the OCR text has, in order (difflib matching blocks)."""

    def words(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    ref, got = words(reference), words(recognised)
    matcher = difflib.SequenceMatcher(a=ref, b=got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(ref)


def test_every_corpus_file_gives_text_or_a_problem():
    # The searchable PDFs are not needed here; skipping them saves time on a shared machine.
    limits = Limits(ocr_searchable_pdf=False)
    for path in FILES:
        content = path.read_bytes()
        result = extract(content, sniff_media_type(content, path.name), limits)
        assert result.text.strip() or result.problems, path.name


def test_linn_ocr_word_accuracy():
    reference = (CORPUS / "ocrmypdf" / "linn.txt").read_text(encoding="utf-8")
    result = extract((CORPUS / "ocrmypdf" / "linn.pdf").read_bytes(), "application/pdf")
    accuracy = word_accuracy(result.text, reference)
    print(f"\nlinn.pdf OCR word accuracy: {accuracy:.1%} (confidence {result.ocr_confidence})")
    assert result.pages[0].method == "ocr"
    assert accuracy > 0.85
