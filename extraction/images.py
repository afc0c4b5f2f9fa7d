"""Scanned images (PNG, JPEG, multi-page TIFF): every frame read by OCR."""

from __future__ import annotations

import io
import re

from PIL import Image, UnidentifiedImageError

from extraction import ocrpool
from extraction.types import Extraction, Limits


def extract_image(content: bytes, limits: Limits, media_type: str = "image/png") -> Extraction:
    result = Extraction(media_type=media_type)
    try:
        frames = _frame_count(content, limits)
    except UnidentifiedImageError:
        result.problems.append("Die Bilddatei ist beschädigt oder kein unterstütztes Bildformat.")
        return result
    except _TooLarge as exc:
        result.problems.append(str(exc))
        return result
    if frames > limits.max_pdf_pages:
        result.problems.append(
            f"Das Bild hat {frames} Seiten; gelesen werden höchstens {limits.max_pdf_pages}."
        )
        frames = limits.max_pdf_pages
    results = ocrpool.read_pages(content, "image", list(range(frames)), limits)
    ocrpool.record(result, results, limits)
    return ocrpool.finish(result)


def extractor_for(media_type: str):
    """An extractor with the dispatcher's signature that remembers the media type."""

    def extract(content: bytes, limits: Limits) -> Extraction:
        return extract_image(content, limits, media_type)

    return extract


class _TooLarge(ValueError):
    pass


def _frame_count(content: bytes, limits: Limits) -> int:
    """Frames of the image, checking the declared size before anything is decoded.

    PIL itself refuses images above twice its MAX_IMAGE_PIXELS at open (decompression bombs);
    that global is left alone here (threads share it) and its error turned into our reason.
    """
    try:
        with Image.open(io.BytesIO(content)) as image:
            width, height = image.size
            if width * height > limits.max_image_pixels:
                raise _TooLarge(_too_large(f"{width} × {height} Pixel", limits))
            return getattr(image, "n_frames", 1)
    except Image.DecompressionBombError as exc:
        found = re.search(r"\((\d+) pixels\)", str(exc))
        size = f"{int(found.group(1)) // 1_000_000} Megapixel" if found else "zu viele Pixel"
        raise _TooLarge(_too_large(size, limits)) from exc


def _too_large(size: str, limits: Limits) -> str:
    return (
        f"Das Bild ist zu groß ({size}, erlaubt sind {limits.max_image_pixels // 1_000_000} "
        "Megapixel); bitte mit normaler Auflösung neu scannen."
    )
