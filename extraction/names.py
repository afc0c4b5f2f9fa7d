"""Attachment file names: for display and downloads only, never for paths."""

from __future__ import annotations

import mimetypes
import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
# Windows device names are not valid file names on a staff PC, with or without extension.
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)
_EXTENSIONS = {
    "message/rfc822": ".eml",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "application/ms-tnef": ".dat",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/x-pkcs7-mime": ".p7m",
}


def safe_filename(name: str | None, limit: int = 180) -> str | None:
    """Strip directories, control, format (bidi override) and reserved characters; keep umlauts."""
    if not name:
        return None
    name = unicodedata.normalize("NFC", str(name))
    # Surrogates from undecodable bytes and invisible format characters (U+202E turns
    # "rechnung‮fdp.exe" into "rechnungexe.pdf" on screen) have no place in a display name.
    name = "".join(
        ch for ch in name if unicodedata.category(ch) not in ("Cf", "Cs", "Co", "Cn")
    )
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if not name or set(name) <= {"_", "."}:
        return None
    if _RESERVED.match(name):
        name = "_" + name
    if len(name) > limit:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: limit - len(ext) - 1] + dot + ext) if dot and len(ext) < 10 else name[:limit]
    return name


def fallback_filename(media_type: str, number: int, stem: str | None = None) -> str:
    """A display name for a part that has none: "Anhang 2.pdf", or the subject of a mail."""
    ext = _EXTENSIONS.get(media_type) or mimetypes.guess_extension(media_type) or ".bin"
    base = safe_filename(stem, limit=80) if stem else None
    return f"{base or f'Anhang {number}'}{ext}"


def display_filename(name: str | None, fallback: str) -> str:
    """A display name fit for Content-Disposition: no paths, no control characters."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if c.isprintable())
    name = re.sub(r"[\"<>:|?*;]", "_", name).strip(" .")
    return name[:150] or fallback
