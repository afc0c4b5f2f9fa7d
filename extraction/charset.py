"""Bytes to str when the declared charset is missing or wrong."""

from __future__ import annotations

_FALLBACKS = ("utf-8", "cp1252", "latin-1")


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode with the declared charset if it fits, else the usual German suspects.

    Mislabelled mail is common: "iso-8859-1" that is really UTF-8, or "us-ascii" with umlauts.
    UTF-8 is tried first among the fallbacks because it fails loudly on non-UTF-8 bytes.
    """
    candidates = []
    if declared:
        candidates.append(declared.strip().strip('"').lower())
    candidates += [c for c in _FALLBACKS if c not in candidates]
    if candidates[0] in ("us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1"):
        # Latin-1 never fails, so it hides UTF-8; ASCII fails on umlauts. Prefer UTF-8 when it fits.
        candidates.insert(0, "utf-8")
    for charset in candidates:
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")
