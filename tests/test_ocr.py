"""Scanned letters read with the real tesseract and its German model.

The letters are rendered here (German text with umlauts and ß, DejaVu font), then turned,
skewed and saved the way scanners deliver them.
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from extraction import Limits, extract, sniff_media_type
from extraction.searchable import searchable_pdf
from tests import letters

pytestmark = pytest.mark.slow


def keywords_found(text: str, words: list[str]) -> list[str]:
    return [w for w in words if w in text]


WOHNGELD_WORDS = ["Wohngeld", "Gartenstraße", "Müßig", "Grüßen", "Nebenkostenabrechnung", "zügig"]
WIDERSPRUCH_WORDS = ["Widerspruch", "Weiß", "Grundsicherung", "vollständig", "berücksichtigt"]
UMZUG_WORDS = ["Umzug", "Özdemir", "Schlossgasse", "Bürgergeldes"]


def test_image_only_pdf_with_upside_down_and_sideways_crooked_pages_is_read():
    # Given an image-only PDF: page 1 upside down, page 2 turned by 90° and 2° crooked
    pdf = letters.image_pdf(
        [
            letters.rotated(letters.render_page(letters.WOHNGELD), 180),
            letters.rotated(letters.rotated(letters.render_page(letters.WIDERSPRUCH), 2), 90),
        ]
    )
    # When it is extracted
    result = extract(pdf, sniff_media_type(pdf, "scan.pdf"))
    # Then both pages were read by OCR, turned upright, and the German words are there
    assert [p.method for p in result.pages] == ["ocr", "ocr"]
    assert result.pages[0].rotation == 180
    assert result.pages[1].rotation in (90, 270)
    assert keywords_found(result.pages[0].text, WOHNGELD_WORDS) == WOHNGELD_WORDS
    assert keywords_found(result.pages[1].text, WIDERSPRUCH_WORDS) == WIDERSPRUCH_WORDS
    assert all(p.confidence and p.confidence > 80 for p in result.pages)
    assert result.problems == []
    # And the searchable PDF for staff carries the recognised text on both pages
    searchable = PdfReader(io.BytesIO(searchable_pdf(pdf, result)))
    assert len(searchable.pages) == 2
    assert "Wohngeld" in searchable.pages[0].extract_text()
    assert "Widerspruch" in searchable.pages[1].extract_text()


def test_multipage_tiff_is_read_page_by_page():
    # Given a two-page group 4 TIFF, the second page skewed and turned
    content = letters.tiff(
        [
            letters.render_page(letters.UMZUG),
            letters.rotated(letters.rotated(letters.render_page(letters.WOHNGELD), -1.5), 90),
        ]
    )
    result = extract(content, sniff_media_type(content, "stapel.tif"))
    assert result.media_type == "image/tiff"
    assert [p.number for p in result.pages] == [1, 2]
    assert keywords_found(result.pages[0].text, UMZUG_WORDS) == UMZUG_WORDS
    assert keywords_found(result.pages[1].text, WOHNGELD_WORDS) == WOHNGELD_WORDS
    assert set(result.ocr_pdf_pages) == {1, 2}


@pytest.mark.parametrize("fmt,media_type", [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_single_images_are_read(fmt, media_type):
    content = letters.encoded(letters.render_page(letters.WIDERSPRUCH), fmt)
    result = extract(content, sniff_media_type(content, "brief.bin"))
    assert result.media_type == media_type
    assert keywords_found(result.text, WIDERSPRUCH_WORDS) == WIDERSPRUCH_WORDS
    # And its searchable PDF is one page: the scan under the recognised text
    searchable = PdfReader(io.BytesIO(searchable_pdf(content, result)))
    assert len(searchable.pages) == 1
    assert "Widerspruch" in searchable.pages[0].extract_text()
    assert len(searchable.pages[0].images) == 1


def test_a_page_below_the_confidence_threshold_asks_for_a_human_look():
    content = letters.encoded(letters.render_page(letters.UMZUG), "PNG")
    # An unreachable threshold: every page counts as unsure, which must be said, never silent
    result = extract(content, "image/png", Limits(ocr_min_confidence=99.9, ocr_retry_below=0))
    assert result.text
    assert any("Texterkennung unsicher" in p and "Seite 1" in p for p in result.problems)


def test_a_pdf_with_a_good_text_layer_is_not_ocrd():
    from pypdf import PdfWriter

    scanned = extract(letters.image_pdf([letters.render_page(letters.UMZUG)]), "application/pdf")
    # tesseract's own PDF has a text layer: reading it again needs no OCR
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(scanned.ocr_pdf_pages[1])))
    out = io.BytesIO()
    writer.write(out)
    again = extract(out.getvalue(), "application/pdf")
    assert again.pages[0].method == "text_layer"
    assert "Umzug" in again.text


def test_blank_pages_are_recognised_without_ocr():
    result = extract(letters.image_pdf([letters.blank_page()]), "application/pdf")
    assert result.pages[0].blank is True
    assert result.pages[0].method == "none"
    assert result.problems  # an empty scan is not silently accepted


FIRST_PAGE_SCRIPT = """
import sys
from extraction.ocr import PageJob, run_page
result = run_page(PageJob(path=sys.argv[1], kind="image", index=0, languages="deu"))
print("WIDERSPRUCH" in result.text.upper(), "PIL.WmfImagePlugin" in sys.modules)
"""


def test_the_first_page_of_an_ocr_process_loads_no_image_formats_it_does_not_use(tmp_path):
    """Handing the page to tesseract as TIFF must not make Pillow import every format plugin it
    has (40 ms of each OCR process's first page; issue 16)."""
    import subprocess
    import sys

    page = tmp_path / "brief.png"
    page.write_bytes(letters.encoded(letters.render_page(letters.WIDERSPRUCH).convert("L"), "PNG"))
    done = subprocess.run([sys.executable, "-c", FIRST_PAGE_SCRIPT, str(page)], capture_output=True,
                          text=True, timeout=120)
    assert done.stdout.split() == ["True", "False"], done.stderr
