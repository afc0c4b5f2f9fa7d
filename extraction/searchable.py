"""The searchable PDF staff open: scanned pages with tesseract's invisible text, other pages as they are."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter

from extraction.types import Extraction


def searchable_pdf(original: bytes, extraction: Extraction, pages: list[int] | None = None) -> bytes:
    """A PDF of ``pages`` (1-based; all when None) of the original, OCR'd pages made searchable.

    Pages read by OCR come from ``extraction.ocr_pdf_pages`` (upright and straightened as read);
    pages with a good text layer are copied from the original PDF; image pages without OCR
    (blank, unreadable) are embedded as images.
    """
    numbers = pages if pages is not None else [p.number for p in extraction.pages]
    if len(numbers) == 1 and numbers[0] in extraction.ocr_pdf_pages:
        # A one-page scan: its page PDF is the document already (copying it cost 3 ms a letter).
        return extraction.ocr_pdf_pages[numbers[0]]
    writer = PdfWriter()
    source: PdfReader | None = None
    for number in numbers:
        if number in extraction.ocr_pdf_pages:
            writer.append(PdfReader(io.BytesIO(extraction.ocr_pdf_pages[number])))
        elif extraction.media_type == "application/pdf":
            if source is None:
                source = PdfReader(io.BytesIO(original))
                if source.is_encrypted:
                    source.decrypt("")
            writer.add_page(source.pages[number - 1])
        else:
            writer.append(PdfReader(io.BytesIO(_image_page(original, number))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _image_page(original: bytes, number: int) -> bytes:
    with Image.open(io.BytesIO(original)) as image:
        image.seek(number - 1)
        dpi = image.info.get("dpi", (300, 300))
        out = io.BytesIO()
        image.convert("RGB" if image.mode not in ("1", "L") else image.mode).save(
            out, format="PDF", resolution=float(dpi[0] or 300)
        )
        return out.getvalue()


def select_pages(pdf: bytes, numbers: list[int]) -> bytes:
    """A new PDF of the given pages (1-based) of ``pdf``: one letter out of a batch."""
    source = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for number in numbers:
        writer.add_page(source.pages[number - 1])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
