"""Header values to text: RFC 2047 encoded-words, also the broken ones mail programs send.

The stdlib decoders give up on common breakage (encoded-words glued to text, a multi-byte
character split across two words, bad padding, unknown charsets, raw 8-bit bytes). This
decoder never raises and always returns the best readable text.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
import quopri
import re
from datetime import UTC, datetime
from email.header import Header

from extraction.charset import decode_text, normalise_charset

_ENCODED_WORD = re.compile(r"=\?([^?\s]*)\?([bBqQ])\?([^?]*?)\?=")
_WHITESPACE = re.compile(r"\s+")
_MSG_ID = re.compile(r"<[^<>\s]+>")


def header_str(raw: object) -> str:
    """A header value as the parser hands it over (str with surrogates, or Header) to text."""
    if raw is None:
        return ""
    if isinstance(raw, Header):
        raw = str(raw)  # only from foreign callers; we read raw values (see mime.raw_headers)
    text = str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in text):
        # Raw 8-bit bytes in a header (illegal but common): recover and decode them.
        text = decode_text(text.encode("ascii", "surrogateescape"))
    return text


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded-words in an unfolded header value; tolerant of breakage."""
    value = _WHITESPACE.sub(" ", value.replace("\r", "").replace("\n", " ")).strip()
    if "=?" not in value:
        return value
    out: list[str] = []
    pending: list[tuple[str | None, bytes]] = []  # adjacent encoded-words, joined before decoding
    pos = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[pos : match.start()]
        if between and (not pending or between.strip()):
            _flush(pending, out)
            out.append(between)
        charset, encoding, payload = match.groups()
        pending.append((normalise_charset(charset), _decode_payload(encoding, payload)))
        pos = match.end()
    _flush(pending, out)
    out.append(value[pos:])
    return "".join(out).strip()


def _flush(pending: list[tuple[str | None, bytes]], out: list[str]) -> None:
    """Decode a run of adjacent words; bytes of one charset are joined first, so a character
    split across two words (common with UTF-8 in long subjects) survives."""
    run: list[tuple[str | None, bytes]] = []
    for charset, data in pending:
        if run and run[-1][0] == charset:
            run[-1] = (charset, run[-1][1] + data)
        else:
            run.append((charset, data))
    out.extend(decode_text(data, charset) for charset, data in run)
    pending.clear()


def _decode_payload(encoding: str, payload: str) -> bytes:
    if encoding in "qQ":
        # Raw 8-bit characters inside a Q word (illegal, seen from old mailers) were already
        # decoded as text; re-encoding them as UTF-8 lets decode_text recognise them again.
        data = payload.replace("_", " ").encode("utf-8", "surrogateescape")
        return quopri.decodestring(data, header=False)
    cleaned = re.sub(r"[^A-Za-z0-9+/]", "", payload)
    cleaned = cleaned[: len(cleaned) - len(cleaned) % 4] if len(cleaned) % 4 == 1 else cleaned
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return payload.encode("ascii", "replace")


def header_text(raw: object) -> str:
    """Any unstructured header (Subject, Comments) to readable text."""
    return decode_words(header_str(raw))


# Encoded-words are hidden behind these markers while an address header is split, so that
# "<", ">", "@" or "," inside a display name's encoded-word cannot pass for address syntax.
_MARK = re.compile("\ue000(\\d+)\ue001")
_ANGLE_ADDR = re.compile(r"<\s*([^<>\s@\ue000\ue001]+@[^<>\s@\ue000\ue001]+)\s*>")
_BARE_ADDR = re.compile(r"[\w.+-]+@[\w.-]+")
_VALID_ADDR = re.compile(r"[^\s<>@\ue000\ue001]+@[^\s<>@\ue000\ue001]+")


def addresses(raw_values: list[object]) -> list[tuple[str, str]]:
    """(display name, address) pairs of address headers; names decoded after splitting,
    so a comma or an angle bracket inside an encoded name cannot split or fake an address."""
    return [pair for raw in raw_values if raw is not None
            for pair in _one_header(_WHITESPACE.sub(" ", header_str(raw)))]


def _one_header(text: str) -> list[tuple[str, str]]:
    words = [m.group(0) for m in _ENCODED_WORD.finditer(text)]
    numbers = iter(range(len(words)))
    masked = _ENCODED_WORD.sub(lambda _m: f"\ue000{next(numbers)}\ue001", text)
    result = []
    for name, addr in _split(masked):
        name = _MARK.sub(lambda m: " " + words[int(m.group(1))] + " ", name)
        result.append((decode_words(name).strip().strip('"').strip(), addr))
    return result


def _split(text: str) -> list[tuple[str, str]]:
    """Split one address header; when the standard parser yields anything that is not an
    address (a display name with a stray "<" or ">"), take the angle-bracket addresses."""
    try:
        pairs = [(n, a.strip().strip("<>")) for n, a in email.utils.getaddresses([text])]
    except Exception:  # very broken address lists: keep what looks like an address
        pairs = []
    pairs = [(n, a) for n, a in pairs if n or a]
    if pairs and all(_VALID_ADDR.fullmatch(a) for _, a in pairs):
        return pairs
    found, start = [], 0
    for match in _ANGLE_ADDR.finditer(text):
        found.append((text[start:match.start()].strip(" ,;"), match.group(1)))
        start = match.end()
    if found:
        return found
    bare = [("", a) for a in _BARE_ADDR.findall(_MARK.sub(" ", text))]
    if bare or not pairs:
        return bare
    return [(text.strip(), "")]  # a name without any address: kept as the name only


def message_ids(raw: object) -> list[str]:
    """Message-IDs in In-Reply-To/References/Message-ID, in order, with their angle brackets."""
    text = header_str(raw)
    ids = _MSG_ID.findall(text)
    if not ids and text.strip() and " " not in text.strip():
        ids = [f"<{text.strip().strip('<>')}>"]  # a bare id without brackets
    return ids


def header_date(raw: object) -> datetime | None:
    text = header_str(raw).strip()
    if not text:
        return None
    try:
        date = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if date.tzinfo is None:  # RFC 5322 "-0000": unknown zone; UTC is the honest reading
        date = date.replace(tzinfo=UTC)
    return date
