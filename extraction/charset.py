"""Bytes to str when the declared charset is missing, unknown or wrong.

German mail in the wild is UTF-8, ISO-8859-1/-15 or Windows-1252, and the label often lies:
"iso-8859-1" that is really UTF-8, "us-ascii" with umlauts, "utf-8" that is really Windows-1252.
"""

from __future__ import annotations

import codecs
import re

# Labels that are really another charset in practice (WHATWG encoding standard: latin-1 and
# ascii mean windows-1252, whose 0x80-0x9f are the typographic quotes and the euro sign).
_ALIASES = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
}
# Labels that mean "we do not know": decide from the bytes.
_UNKNOWN = {"", "unknown", "unknown-8bit", "x-unknown", "default", "charset", "none", "8bit"}

_MOJIBAKE = re.compile("[ÃÂ][\u0080-\u00bf\u2018-\u203a\u20ac\u0152\u0153\u0160\u0161\u017d\u017e\u0178\u0192\u02c6\u02dc]")


def normalise_charset(declared: str | None) -> str | None:
    """A Python codec name for a declared MIME charset, or None when it means nothing."""
    if not declared:
        return None
    label = declared.strip().strip("\"'").lower()
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*de
    if label in _UNKNOWN:
        return None
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        # "windows1252", "cp-1252", "iso 8859 15": try once more without separators.
        squeezed = re.sub(r"[\s_-]", "", label)
        for candidate in (squeezed, squeezed.replace("iso8859", "iso8859_")):
            try:
                return codecs.lookup(_ALIASES.get(candidate, candidate)).name
            except LookupError:
                continue
    return None


# Charsets whose bytes are all ASCII but mean something else.
_ASCII_STATEFUL = {"utf-7", "iso2022_jp", "iso2022_jp_2", "iso2022_kr", "hz", "utf_16", "utf_32"}


def _is_ascii(data: bytes) -> bool:
    return data.isascii()


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Decode with the declared charset if it fits, else UTF-8, else Windows-1252.

    UTF-8 is tried before any 8-bit charset because valid multi-byte UTF-8 is practically
    never accidental, while every 8-bit charset accepts anything.
    """
    if not data:
        return ""
    charset = normalise_charset(declared)
    if _is_ascii(data) and charset not in _ASCII_STATEFUL:
        return repair_mojibake(data.decode("ascii"))
    if charset in (None, "cp1252", "iso8859-1", "iso8859-15", "ascii"):
        try:
            return repair_mojibake(data.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    if charset is not None:
        try:
            return repair_mojibake(data.decode(charset))
        except (UnicodeDecodeError, LookupError):
            pass
        if charset == "utf-8":
            # Declared UTF-8 but broken: mostly Windows-1252 with a wrong label, or UTF-8
            # with a few bad bytes (truncated lines). Pick whichever loses less.
            lenient = data.decode("utf-8", errors="replace")
            if lenient.count("\ufffd") * 20 < len(lenient) and _has_multibyte(data):
                return lenient
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves 5 bytes undefined; Latin-1 maps them to C1 controls, never fails.
        return data.decode("latin-1")


def _has_multibyte(data: bytes) -> bool:
    return re.search(rb"[\xc2-\xf4][\x80-\xbf]", data) is not None


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Windows-1252 once ("FÃ¼r" → "Für"), only when it fits."""
    if not _MOJIBAKE.search(text):
        return text
    try:
        repaired = text.encode("cp1252").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return _repair_piecewise(text)
    return repaired


def _repair_piecewise(text: str) -> str:
    """Repair mojibake word by word when the text mixes good and double-encoded parts."""

    def fix(match: re.Match[str]) -> str:
        word = match.group(0)
        try:
            return word.encode("cp1252").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return word

    return re.sub(r"\S*[ÃÂ]\S*", fix, text)
