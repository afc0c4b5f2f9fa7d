"""Every PDF of the shared corpus gives an extraction (text or a problem); linn.pdf against its transcript."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from extraction import extract
from store.settings import get_settings

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


# 59 files, a dozen of them scanned pages for OCR: on a loaded machine (load 12) this took over
# the suite's 300 s per test, so it gets the 900 s its drain below allows.
@pytest.mark.timeout(900)
def test_every_corpus_file_ends_as_an_item_with_text_or_a_reason(settings, pipeline):
    from sqlalchemy import select

    from connectors.upload import Upload, accept_upload
    from store.db import session_scope
    from store.models import Item

    ids = {
        accept_upload(
            Upload(content=p.read_bytes(), filename=p.name, source="upload:corpus", actor="test",
                   external_id=str(p.relative_to(CORPUS))), get_settings()
        )[0]: p.name
        for p in FILES
    }
    pipeline.drain(timeout=900)
    with session_scope(get_settings()) as session:
        items = session.scalars(select(Item).where(Item.id.in_(ids))).all()
        assert len(items) == len(FILES)
        for item in items:
            assert item.status in ("routed", "done", "needs_attention"), ids[item.id]
            if item.status == "needs_attention":
                assert item.status_reason, ids[item.id]
            else:
                assert (item.text or "").strip(), ids[item.id]
        parked = sorted(ids[i.id] for i in items if i.status == "needs_attention")
    print(f"\n{len(items)} corpus files: {len(items) - len(parked)} with text, parked: {parked}")


def test_linn_ocr_word_accuracy():
    reference = (CORPUS / "ocrmypdf" / "linn.txt").read_text(encoding="utf-8")
    result = extract((CORPUS / "ocrmypdf" / "linn.pdf").read_bytes(), "application/pdf")
    accuracy = word_accuracy(result.text, reference)
    print(f"\nlinn.pdf OCR word accuracy: {accuracy:.1%} (confidence {result.ocr_confidence})")
    assert result.pages[0].method == "ocr"
    assert accuracy > 0.85
