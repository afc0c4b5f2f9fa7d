"""Page images of a (searchable) PDF: thumbnails for the mailroom, a page turned for a new
reading, a page swapped for its new reading. Pure: bytes in, bytes out (pdfium, Pillow, pypdf)."""

from __future__ import annotations

import io

from PIL import Image
from pypdf import PdfReader, PdfWriter

THUMB_WIDTH = 240  # pixels: shown at 120 CSS px, sharp on a screen with two pixels per point
THUMB_QUALITY = 72
TURNS = (90, 180, 270)  # degrees clockwise staff may turn a page by


def thumbnails(pdf: bytes, numbers: list[int] | None = None, width: int = THUMB_WIDTH) -> dict[int, bytes]:
    """JPEG thumbnails of ``numbers`` (1-based; all when None), ``width`` pixels wide."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        wanted = numbers if numbers is not None else list(range(1, len(document) + 1))
        out: dict[int, bytes] = {}
        for number in wanted:
            page = document[number - 1]
            try:
                image = page.render(scale=width / max(page.get_width(), 1.0), grayscale=False).to_pil()
            finally:
                page.close()
            out[number] = _jpeg(image)
        return out
    finally:
        document.close()


def turned_page_image(pdf: bytes, number: int, degrees: int, dpi: int = 300) -> bytes:
    """Page ``number`` rendered at ``dpi`` and turned ``degrees`` clockwise, as PNG for OCR."""
    import pypdfium2 as pdfium

    if degrees % 360 not in (0, *TURNS):
        raise ValueError("Eine Seite kann nur um 90, 180 oder 270 Grad gedreht werden.")
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[number - 1]
        try:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
        finally:
            page.close()
    finally:
        document.close()
    if degrees % 360:
        image = image.rotate(-degrees, expand=True)  # PIL turns counter-clockwise
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def image_as_pdf_page(png: bytes, dpi: int = 300) -> bytes:
    """A page image as a one-page PDF (when OCR gave no PDF of its own: an empty page)."""
    with Image.open(io.BytesIO(png)) as image:
        out = io.BytesIO()
        image.convert("L").save(out, format="PDF", resolution=float(dpi))
        return out.getvalue()


def replace_pages(pdf: bytes, replacements: dict[int, bytes]) -> bytes:
    """``pdf`` with page n (1-based) replaced by the one-page PDF ``replacements[n]``."""
    source = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for number, page in enumerate(source.pages, start=1):
        if number in replacements:
            writer.add_page(PdfReader(io.BytesIO(replacements[number])).pages[0])
        else:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.convert("RGB" if image.mode not in ("L", "RGB") else image.mode).save(
        out, format="JPEG", quality=THUMB_QUALITY, optimize=True)
    return out.getvalue()
