"""`eingang ingest`: every file becomes exactly one item, parsed or parked with a reason."""

from __future__ import annotations

import pytest

from tests.services import SHARED

MIME_CORPUS = SHARED / "corpora" / "mime"


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_ingest_mime_corpus_one_item_per_file(eingang):
    files = [p for p in MIME_CORPUS.rglob("*") if p.is_file() and not p.name.startswith(".")]
    assert len(files) > 200

    eingang.run("ingest", str(MIME_CORPUS), timeout=600)

    items = eingang.items()
    assert len(items) == len(files)
    assert all(i["status"] in ("routed", "needs_attention") for i in items)
    parked = [i for i in items if i["status"] == "needs_attention"]
    assert all(i["status_reason"] for i in parked)
    assert len(parked) < len(items) / 2


@pytest.mark.parametrize("backend_env", ["sqlite"], indirect=True)
def test_ingest_is_idempotent_per_file(eingang, tmp_path):
    letter = tmp_path / "brief.txt"
    letter.write_text("Ich beantrage Wohngeld. 26123 Oldenburg", encoding="utf-8")
    eingang.run("ingest", str(letter))
    eingang.run("ingest", str(letter))
    items = eingang.items()
    assert len(items) == 1
    assert items[0]["channel"] == "letter"
    assert items[0]["queue"] == "wohngeld"


def test_an_embedded_ingest_warms_up_only_what_its_files_need(tmp_path) -> None:
    from pathlib import Path

    from eingang.commands.ingest import _needed

    always = {"classifier", "rules", "templates"}
    assert _needed([Path("a.txt")], [], None) == always
    assert _needed([Path("brief.PNG"), Path("a.txt")], [], None) == always | {"ocr"}
    assert _needed([], [tmp_path], None) == always | {"ocr"}  # a folder of page images
    assert _needed([Path("m.eml")], [], None) == always | {"sandbox"}
    assert _needed([Path("m.eml")], [], "letter") == always  # read as a letter, outside the sandbox
    assert _needed([Path("formular.pdf")], [], "webform") == always | {"sandbox"}  # its OCR in there
