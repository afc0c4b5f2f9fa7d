"""Pick the extractor for a media type; the single entry point of the package."""

from __future__ import annotations

import re
from collections.abc import Callable

from extraction.fitconnect import MEDIA_TYPE as FITCONNECT
from extraction.fitconnect import extract_fitconnect
from extraction.images import extractor_for
from extraction.mime import extract_email
from extraction.pdf import extract_pdf
from extraction.plain import extract_plain
from extraction.types import Extraction, Limits

Extractor = Callable[[bytes, Limits], Extraction]

EXTRACTORS: dict[str, Extractor] = {
    "message/rfc822": extract_email,
    "application/pdf": extract_pdf,
    "text/plain": extract_plain,
    "image/png": extractor_for("image/png"),
    "image/jpeg": extractor_for("image/jpeg"),
    "image/tiff": extractor_for("image/tiff"),
    FITCONNECT: extract_fitconnect,
}

_EXTENSIONS = {
    ".eml": "message/rfc822",
    ".msg": "application/vnd.ms-outlook",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
}


_HEADER_LINE = re.compile(rb"^[!-9;-~]{1,76}:", re.MULTILINE)
_MAIL_HEADERS = (b"from:", b"to:", b"subject:", b"date:", b"received:", b"message-id:",
                 b"mime-version:", b"return-path:", b"content-type:", b"dkim-signature:")


def _looks_like_mail(head: bytes) -> bool:
    """RFC 5322: starts with header fields, some of which only mail has."""
    lines = head.lstrip().split(b"\n", 1)
    if not lines or not _HEADER_LINE.match(lines[0]):
        return False
    lower = head.lower()
    if lines[0].lower().startswith(_MAIL_HEADERS):
        return True
    return sum(1 for h in _MAIL_HEADERS if b"\n" + h in b"\n" + lower) >= 2


def sniff_media_type(content: bytes, filename: str | None = None) -> str:
    """The media type by magic bytes first, the file name second (names lie)."""
    head = content[:16]
    if head.startswith(b"%PDF"):
        return "application/pdf"
    if head.startswith(b"\x89PNG"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if _looks_like_mail(content[:4096]):
        return "message/rfc822"
    if filename:
        lower = filename.lower()
        for ext, media_type in _EXTENSIONS.items():
            if lower.endswith(ext):
                return media_type
    return "application/octet-stream"


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
