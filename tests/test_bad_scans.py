"""Bad input gives a clear German problem and never hangs: encrypted, broken, empty, giant, mislabelled."""

from __future__ import annotations

import io
import struct
import time
import zlib

from PIL import Image
from pypdf import PdfWriter

from extraction import Limits, extract, ocrpool, sniff_media_type
from tests import letters


def _pdf(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width × height pixels (a decompression bomb's header), nothing behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


def test_aes_encrypted_pdf_needs_a_password():
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("geheim", algorithm="AES-256")
    result = extract(_pdf(writer), "application/pdf")
    assert result.problems == ["Das PDF ist verschlüsselt und kann ohne Passwort nicht gelesen werden."]


def test_pdf_without_pages():
    result = extract(_pdf(PdfWriter()), "application/pdf")
    assert result.problems == ["Das PDF enthält keine Seiten."]


def test_pdf_with_broken_xref_is_still_read():
    pdf = letters.image_pdf([letters.render_page(["Kaputte Querverweistabelle", "Wohngeld"])])
    head, _, _ = pdf.rpartition(b"startxref")
    broken = head + b"startxref\n999999\n%%EOF\n"  # the cross-reference table is not where it says
    result = extract(broken, "application/pdf")
    assert "Wohngeld" in result.text


def test_pdf_without_any_xref_is_reported_as_damaged():
    pdf = letters.image_pdf([letters.render_page(["Wohngeld"])])
    result = extract(pdf.replace(b"xref", b"xxxx"), "application/pdf")
    assert result.problems and "beschädigt" in result.problems[0]


def test_truncated_pdf_is_reported_as_damaged():
    result = extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog", "application/pdf")
    assert result.problems and "beschädigt" in result.problems[0]


def test_35000_by_35000_image_is_refused_before_decoding():
    content = _png_header_only(35000, 35000)
    result = extract(content, sniff_media_type(content, "scan.png"))
    assert len(result.problems) == 1
    assert "zu groß" in result.problems[0] and "1225 Megapixel" in result.problems[0]


def test_an_image_above_our_limit_but_below_pils_is_refused_with_its_size():
    content = _png_header_only(9000, 9000)  # 81 megapixels
    result = extract(content, "image/png")
    assert result.problems and "9000 × 9000 Pixel" in result.problems[0]


def test_huge_pdf_page_is_refused():
    writer = PdfWriter()
    writer.add_blank_page(14400, 14400)  # 5 × 5 m, the largest page PDF allows
    page = writer.pages[0]
    page.mediabox.upper_right = (14400, 14400)
    result = extract(_pdf(writer), "application/pdf", Limits(max_image_pixels=20_000_000))
    assert any("zu groß" in p for p in result.problems)


def test_files_are_sniffed_by_content_not_by_name():
    png = letters.encoded(Image.new("L", (10, 10), 255), "PNG")
    assert sniff_media_type(png, "brief.pdf") == "image/png"
    pdf = letters.image_pdf([Image.new("L", (10, 10), 255)])
    assert sniff_media_type(pdf, "foto.jpg") == "application/pdf"
    # a text file named .pdf is read as a PDF and fails clearly
    result = extract(b"Hallo, das ist kein PDF.", sniff_media_type(b"Hallo, das ist kein PDF.", "x.pdf"))
    assert result.problems and "beschädigt" in result.problems[0]


def test_a_corrupt_image_is_reported():
    content = letters.encoded(letters.render_page(["Hallo"]), "JPEG")[:400]
    result = extract(content, sniff_media_type(content))
    assert result.problems
    assert not result.text


def test_time_limit_per_document_ends_ocr_and_says_so():
    pdf = letters.image_pdf([letters.render_page(letters.WOHNGELD)] * 3)
    result = extract(pdf, "application/pdf", Limits(seconds_per_document=0.3))
    assert any("Zeitlimit" in p for p in result.problems)
    # and the pool still works afterwards
    after = extract(letters.encoded(letters.render_page(["Wohngeld"]), "PNG"), "image/png")
    assert "Wohngeld" in after.text


def _ocr_process_ids() -> set[int]:
    return set(ocrpool._get_pool(0)._pool_manager.worker_manager.workers)


def test_a_document_out_of_time_ends_its_pages_without_ending_an_ocr_process():
    # Ending a process at the deadline made pebble lose the next task that process had already
    # taken (noxdafox/pebble#153): a one-word page then waited 65 s for its own timeout.
    extract(letters.encoded(letters.render_page(["Wohngeld"]), "PNG"), "image/png")
    before = _ocr_process_ids()
    pdf = letters.image_pdf([letters.render_page(letters.WOHNGELD)] * 3)
    result = extract(pdf, "application/pdf", Limits(seconds_per_document=0.3))
    assert [p for p in result.problems if "Zeitlimit" in p]
    time.sleep(1.0)  # pebble ends a process from its manager thread, a moment after the cancel
    assert _ocr_process_ids() == before


def test_memory_limit_per_ocr_process_gives_a_problem_not_a_crash():
    # A page of twice A4's width and height (35 Mpx): an OCR process that already read pages
    # keeps its engine and freed heap, so a small page could be read from memory it already has.
    content = letters.encoded(letters.render_page(letters.UMZUG, size=(4960, 7016)), "PNG")
    result = extract(content, "image/png", Limits(ocr_memory_bytes=64 * 1024 * 1024))
    assert result.problems
    assert any("Speicher" in p or "nicht gelesen" in p for p in result.problems)
