"""The tesseract engine an OCR process keeps loaded (extraction.tesseract), with the real
library and the German model: the same engine reads page after page, a reading out of time
says so, and its orientation check says which way to turn a page."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction import Limits, ocrpool, tesseract
from tests import letters

pytestmark = pytest.mark.slow


@pytest.fixture()
def page_file(tmp_path):
    def save(turned_clockwise: int = 0, name: str = "page") -> str:
        # letters.rotated turns counter-clockwise, as Pillow does
        path = tmp_path / f"{name}.tif"
        letters.rotated(letters.render_page(letters.WIDERSPRUCH), -turned_clockwise).save(path, dpi=(300, 300))
        return str(path)
    return save


def test_one_engine_reads_page_after_page(page_file, tmp_path, monkeypatch):
    loads = []
    original = tesseract.tesserocr.PyTessBaseAPI

    def counting(*args, **kwargs):
        loads.append(kwargs.get("lang"))
        return original(*args, **kwargs)

    monkeypatch.setattr(tesseract, "_engines", {})
    monkeypatch.setattr(tesseract.tesserocr, "PyTessBaseAPI", counting)
    first_tsv, first_pdf = tesseract.read(page_file(name="a"), "deu", str(tmp_path / "a"), 60)
    second_tsv, second_pdf = tesseract.read(page_file(name="b"), "deu", None, 60)

    assert loads == ["deu"]  # the model loaded once for both pages
    assert first_tsv.startswith(tesseract.TSV_HEADER) and "Widerspruch" in first_tsv
    assert first_pdf.startswith(b"%PDF") and second_pdf is None
    assert first_tsv == second_tsv  # the same page read the same, results of the first gone


def test_a_reading_out_of_time_is_a_timeout_problem(page_file, monkeypatch):
    monkeypatch.setattr(tesseract, "_engines", {})
    with pytest.raises(tesseract.TesseractFailed, match="Zeitlimit") as failed:
        tesseract.read(page_file(), "deu", None, 0.001)
    assert failed.value.timed_out
    assert "deu" not in tesseract._engines  # a cancelled engine is not kept
    # and the page after it is read as usual
    tsv, _ = tesseract.read(page_file(), "deu", None, 60)
    assert "Widerspruch" in tsv


def read_in_ocr_process(path: str, limits: Limits):  # type: ignore[no-untyped-def]
    # In the OCR processes, as the pipeline reads: a page reader limits its own process's
    # memory, which would hold the test process too.
    return ocrpool.read_pages(Path(path).read_bytes(), "image", [0], limits)[0]


def test_a_page_read_out_of_time_says_so_in_german(page_file):
    result = read_in_ocr_process(page_file(), Limits(ocr_languages="deu", seconds_per_page=0.001))
    assert result.problem == "Seite 1: Zeitlimit der Texterkennung überschritten."


@pytest.mark.parametrize("turned_clockwise, to_turn", [(0, 0), (90, 270), (180, 180), (270, 90)])
def test_the_orientation_check_says_how_far_to_turn_clockwise(page_file, turned_clockwise, to_turn):
    turn, confidence = tesseract.orientation(page_file(turned_clockwise))
    assert turn == to_turn and confidence > 1


def test_no_model_installed_is_said_in_german(monkeypatch, tmp_path):
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    monkeypatch.setattr(tesseract, "TESSDATA_CANDIDATES", ())
    with pytest.raises(tesseract.TesseractFailed, match="kein Sprachmodell „xyz“"):
        tesseract.tessdata_dir("xyz+deu")


def test_a_model_missing_or_broken_is_said_in_german(page_file, monkeypatch, tmp_path):
    monkeypatch.setattr(tesseract, "_engines", {})
    # a first language without a model: the page is not read, and staff are told why
    result = read_in_ocr_process(page_file(), Limits(ocr_languages="xyz+deu"))
    assert result.problem == ("Seite 1 konnte nicht gelesen werden (kein Sprachmodell „xyz“ für die "
                              "Texterkennung installiert).")
    (tmp_path / "xyz.traineddata").write_bytes(b"no model")
    monkeypatch.setenv("TESSDATA_PREFIX", str(tmp_path))
    with pytest.raises(tesseract.TesseractFailed, match="die Sprachmodelle „xyz“ der Texterkennung sind nicht ladbar"):
        tesseract.read(page_file(), "xyz", None, 60)
