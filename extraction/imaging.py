"""Page images: loading a page of a PDF or an image file, and the cheap looks at it before OCR.

Runs inside the OCR worker processes (see :mod:`extraction.ocr`), never in the caller: a hostile
file that makes a decoder hang or eat memory takes a worker process down, not the service.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

# Dark pixels (0..255 grey below this) count as ink.
INK_LEVEL = 128
# Dark pixels of the quarter-size page (margins cut off) that dust specks stay below; a short
# line of text is several hundred.
BLANK_INK_PIXELS = 40


class PageTooLarge(ValueError):
    """The page would need more pixels than allowed (decompression bomb or a giant page)."""


def load_pdf_page(path: str, index: int, dpi: int, max_pixels: int) -> Image.Image:
    """Render one PDF page in greyscale; large pages are rendered at a lower resolution."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        page = document[index]
        width_pt, height_pt = page.get_size()
        scale = dpi / 72
        if width_pt * height_pt * scale * scale > max_pixels:
            scale = (max_pixels / (width_pt * height_pt)) ** 0.5
        if scale * 72 < 50:  # a page so large that text would be too small to read
            raise PageTooLarge(
                f"{width_pt / 72 * 2.54:.0f} × {height_pt / 72 * 2.54:.0f} cm"
            )
        image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        image.info["dpi"] = (round(scale * 72),) * 2
        return image
    finally:
        document.close()


def load_image_frame(path: str, index: int, max_pixels: int) -> Image.Image:
    """Frame ``index`` of an image file (TIFF pages are frames), upright per EXIF, in greyscale."""
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves and give a clear reason
    with Image.open(path) as image:
        image.seek(index)
        width, height = image.size
        if width * height > max_pixels:
            raise PageTooLarge(f"{width} × {height} Pixel")
        image.load()
        return ImageOps.exif_transpose(image).convert("L")


def is_blank(image: Image.Image) -> bool:
    """No ink worth reading: scanner edge shadows (margins) and dust (vanishing at 1/4 size) aside."""
    small = np.asarray(image.reduce(4) if min(image.size) > 400 else image)
    height, width = small.shape
    dy, dx = max(height // 30, 1), max(width // 30, 1)
    return int((small[dy:-dy, dx:-dx] < INK_LEVEL).sum()) < BLANK_INK_PIXELS


def read_codes(image: Image.Image) -> list[str]:
    """Texts of the barcodes and QR codes on the page (separator sheets carry one)."""
    import zxingcpp

    small = image.reduce(2) if min(image.size) > 1600 else image
    return [code.text for code in zxingcpp.read_barcodes(small) if code.valid and code.text]


def skew_angle(image: Image.Image, limit: float = 5.0, step: float = 0.25) -> float:
    """The small angle (degrees, counter-clockwise positive) that makes text lines horizontal.

    Projection profile: rotated correctly, rows of text and the gaps between them give the row
    sums the largest variance.
    """
    small = image.reduce(4) if min(image.size) > 800 else image
    ink = Image.fromarray(((np.asarray(small) < INK_LEVEL) * 255).astype(np.uint8))
    best_angle, best_score = 0.0, -1.0
    steps = int(round(limit / step))
    for k in range(-steps, steps + 1):
        angle = k * step
        rows = np.asarray(ink.rotate(angle, resample=Image.Resampling.NEAREST)).sum(axis=1, dtype=np.float64)
        score = float(np.square(np.diff(rows)).sum())
        if score > best_score:
            best_angle, best_score = angle, score
    return best_angle


def straighten(image: Image.Image, angle: float) -> Image.Image:
    return image.rotate(angle, expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)


def turn(image: Image.Image, clockwise_degrees: int) -> Image.Image:
    """Turn by a multiple of 90° clockwise (lossless)."""
    transposes = {
        90: Image.Transpose.ROTATE_270,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_90,
    }
    return image.transpose(transposes[clockwise_degrees % 360]) if clockwise_degrees % 360 else image
