"""The media type of an original by its magic bytes first, its file name second."""

from __future__ import annotations

import re

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
