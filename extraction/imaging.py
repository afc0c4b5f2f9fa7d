"""Page images: loading a page of a PDF or an image file, and the cheap looks at it before OCR.

Runs inside the OCR worker processes (see :mod:`extraction.ocr`), never in the caller: a hostile
file that makes a decoder hang or eat memory takes a worker process down, not the service.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class StoredFrame:
    """What the file holds, before the frame was turned upright and made grey."""

    format: str | None  # "PNG", "JPEG", "TIFF" …
    mode: str  # "1" bilevel, "L" grey, "RGB" …
    size: tuple[int, int]
    frames: int
    exif_orientation: int  # 1: shown as stored
    dpi: tuple[float, float] | None


def load_image_frame(path: str, index: int, max_pixels: int) -> tuple[Image.Image, StoredFrame]:
    """Frame ``index`` of an image file (TIFF pages are frames), upright per EXIF, in greyscale,
    and what the file said about it. Decoded once: a PNG's EXIF may follow its pixels, so
    asking for it before the pixels were loaded decoded the page twice (37 ms a page)."""
    Image.MAX_IMAGE_PIXELS = None  # we check the size ourselves and give a clear reason
    with Image.open(path) as image:
        image.seek(index)
        width, height = image.size
        if width * height > max_pixels:
            raise PageTooLarge(f"{width} × {height} Pixel")
        image.load()
        stored = StoredFrame(image.format, image.mode, image.size, getattr(image, "n_frames", 1),
                             image.getexif().get(0x0112, 1), image.info.get("dpi"))
        # In place and converted only when needed: each copy of a 300 dpi page costs more
        # (allocation, page faults, freeing) than the operation it stands for.
        ImageOps.exif_transpose(image, in_place=True)
        return (image if image.mode == "L" else image.convert("L")), stored


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


# Orientation guess (see orientation_guess): strips narrow enough that a line skewed by a degree
# or two stays within its own height; thresholds measured on letters turned by 0/90/180/270° ±3°.
_STRIP = 96  # pixels at about 150 dpi
_MIN_GAP_SHARE = 0.15  # share of white rows between the lines of a strip (lines run across it)
_MIN_ASYMMETRY = 0.3  # (ascender ink − descender ink) / both, over all lines
_MIN_LINES = 40  # line pieces met by the strips: a separator sheet or a photo has fewer


def orientation_guess(image: Image.Image) -> int | None:
    """Degrees clockwise that turn the page upright (0, 90, 180, 270), or None when unsure.

    Cheap (a few hundredths of a second) against tesseract's orientation detection (about half
    a reading): Latin text has far more ascenders (capitals, b d f h k l t) than descenders
    (g j p q y), so above the x-height band of each line there is more ink than below it.
    Which way lines run comes first: across narrow strips they leave white rows between them.
    A wrong or missing guess costs time only: a weak reading still gets the full check.
    """
    small = image.reduce(2) if min(image.size) > 1600 else image
    ink = np.asarray(small) < INK_LEVEL
    across, across_gaps, across_lines = _line_asymmetry(ink)
    down, down_gaps, down_lines = _line_asymmetry(np.rot90(ink, -1))  # as if turned 90° clockwise
    if across_gaps >= 1.5 * down_gaps and across_gaps >= _MIN_GAP_SHARE:
        asymmetry, turn, lines = (across, 0, across_lines) if across > 0 else (-across, 180, across_lines)
    elif down_gaps >= 1.5 * across_gaps and down_gaps >= _MIN_GAP_SHARE:
        asymmetry, turn, lines = (down, 90, down_lines) if down > 0 else (-down, 270, down_lines)
    else:
        return None
    return turn if asymmetry >= _MIN_ASYMMETRY and lines >= _MIN_LINES else None


def _line_asymmetry(ink: np.ndarray) -> tuple[float, float, int]:
    """Over vertical strips: (ascender − descender ink) / both, share of white rows between
    the first and last inked row, and the number of line pieces measured.

    A strip counts when at least 8 of its rows are inked (2 or more ink pixels); a line piece
    is a run of at least 4 inked rows whose x-height band (rows with at least half the run's
    peak ink) spans 3 rows or more. All strips and pieces at once in numpy: the loop over
    them took 13 ms a page, a third of the page's Python beside tesseract (issue 16).
    """
    height, width = ink.shape
    strips = len(range(0, max(width - _STRIP // 2, 1), _STRIP))  # the last one may be partial
    missing = strips * _STRIP - width
    ink = np.pad(ink, ((0, 0), (0, missing))) if missing > 0 else ink[:, :strips * _STRIP]
    rows = ink.reshape(height, strips, _STRIP).sum(axis=2, dtype=np.int32).T  # [strip, row]
    inked = rows >= 2
    counts = inked.sum(axis=1)
    used = counts >= 8
    rows, inked, counts = rows[used], inked[used], counts[used]
    if not len(rows):
        return 0.0, 0.0, 0
    first, last = inked.argmax(axis=1), height - 1 - inked[:, ::-1].argmax(axis=1)
    spans = int((last - first + 1).sum())
    gaps = spans - int(counts.sum())
    # The strips end to end, a blank row after each, so that no run of rows crosses two.
    blank = np.zeros((len(rows), 1), dtype=rows.dtype)
    flat = np.concatenate((rows, blank), axis=1).ravel()
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (flat >= 2).view(np.int8), [0]))))
    starts, ends = edges[::2], edges[1::2]
    long_enough = ends - starts >= 4
    starts, ends = starts[long_enough], ends[long_enough]
    if not len(starts):
        return 0.0, gaps / spans, 0
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths  # where each piece begins among the pieces' rows
    positions = np.arange(int(lengths.sum())) + np.repeat(starts - offsets, lengths)
    values = flat[positions]
    core = values * 2 >= np.repeat(np.maximum.reduceat(values, offsets), lengths)
    core_first = np.minimum.reduceat(np.where(core, positions, flat.size), offsets)
    core_last = np.maximum.reduceat(np.where(core, positions, -1), offsets)
    banded = core_last - core_first >= 2
    summed = np.concatenate(([0], np.cumsum(flat, dtype=np.int64)))
    above = summed[core_first[banded]] - summed[starts[banded]]
    below = summed[ends[banded]] - summed[core_last[banded] + 1]
    difference, total = int(above.sum() - below.sum()), int(above.sum() + below.sum())
    return (difference / total if total else 0.0), gaps / spans, int(banded.sum())


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
