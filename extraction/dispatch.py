"""Pick the extractor for a media type; the single entry point of the package."""

from __future__ import annotations

from collections.abc import Callable

from extraction.fitconnect import MEDIA_TYPE as FITCONNECT
from extraction.fitconnect import extract_fitconnect as _read_fitconnect
from extraction.images import extractor_for
from extraction.plain import extract_plain
from extraction.sniff import sniff_media_type
from extraction.types import Extraction, Limits

Extractor = Callable[[bytes, Limits], Extraction]

# The parsers of mail and PDFs are loaded with the first such input: a scan needs neither
# (MIME and HTML with bs4 and nh3, S/MIME, pypdf: 0.2 s before the first page of an `eingang
# ingest` could be read; issue 16). The sandbox's children get them preloaded (worker.sandbox).


def extract_email(content: bytes, limits: Limits) -> Extraction:
    """A mail with its attachments, each read through this dispatcher again (a mail can carry
    a PDF, an image or another mail): the recursion is passed in, so mime imports no dispatcher."""
    from extraction import mime

    return mime.extract_email(content, limits, read_part=extract)


def extract_fitconnect(content: bytes, limits: Limits) -> Extraction:
    """A FIT-Connect submission; its attachments are read through this dispatcher again."""
    return _read_fitconnect(content, limits, read_part=extract)


def extract_pdf(content: bytes, limits: Limits) -> Extraction:
    from extraction.pdf import extract_pdf as read_pdf

    return read_pdf(content, limits)


EXTRACTORS: dict[str, Extractor] = {
    "message/rfc822": extract_email,
    "application/pdf": extract_pdf,
    "text/plain": extract_plain,
    "image/png": extractor_for("image/png"),
    "image/jpeg": extractor_for("image/jpeg"),
    "image/tiff": extractor_for("image/tiff"),
    FITCONNECT: extract_fitconnect,
}

def extract(content: bytes, media_type: str, limits: Limits | None = None) -> Extraction:
    """Extract text from one original. Never raises for bad input: problems are reported."""
    limits = limits or Limits()
    if len(content) > limits.max_bytes:
        return Extraction(
            media_type=media_type,
            problems=[
                f"Die Datei ist zu groß ({len(content) // (1024 * 1024)} MB, "
                f"erlaubt sind {limits.max_bytes // (1024 * 1024)} MB)."
            ],
        )
    extractor = EXTRACTORS.get(media_type)
    if extractor is None:
        return Extraction(
            media_type=media_type,
            problems=[f"Dateiformat {media_type} kann nicht automatisch gelesen werden."],
        )
    try:
        result = extractor(content, limits)
    except Exception as exc:  # a bad original must become a visible problem, not a crash
        return Extraction(
            media_type=media_type,
            problems=[f"Die Datei konnte nicht gelesen werden ({type(exc).__name__}: {exc})."],
        )
    if not (result.text.strip() or result.full_text.strip() or result.problems):
        # Every input is kept: without text it must say why (an empty mail, only a zip file).
        result.problems.append("Kein lesbarer Text gefunden – bitte das Original und die Anhänge ansehen.")
    return result


__all__ = ["EXTRACTORS", "extract", "extract_email", "sniff_media_type"]
