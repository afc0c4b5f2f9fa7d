"""Outlook's winmail.dat (TNEF): unpack the body and the files inside, when possible."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from extraction.charset import decode_text
from extraction.html import html_to_text

try:  # optional: without it winmail.dat is only kept, not unpacked
    from tnefparse import TNEF
    from tnefparse.properties import MAPI_ATTACH_LONG_FILENAME as _LONG_FILENAME
except ImportError:  # pragma: no cover - depends on the installation
    TNEF = None
    _LONG_FILENAME = 0x3707

# tnefparse logs every unknown MAPI property at WARNING; that is noise for us.
logging.getLogger("tnefparse").setLevel(logging.ERROR)


@dataclass
class Unpacked:
    body: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)


def unpack(content: bytes) -> Unpacked | None:
    """The body text and files of a TNEF blob, or None when it cannot be decoded."""
    if TNEF is None:
        return None
    try:
        return _unpack(TNEF(content, do_checksum=False))
    except Exception:  # any malformed blob: the caller keeps it as it is
        return None


def _unpack(tnef) -> Unpacked | None:  # type: ignore[no-untyped-def]
    body = _text(tnef.body)
    if not body.strip() and tnef.htmlbody:
        body = html_to_text(_text(tnef.htmlbody))
    files = []
    for attachment in tnef.attachments:
        data = getattr(attachment, "data", None)
        if not data:
            continue
        files.append((_filename(attachment, tnef.codepage), bytes(data)))
    if not body.strip() and not files:  # a valid signature with nothing readable behind it
        return None
    return Unpacked(body=body, files=files)


def _filename(attachment: object, codepage: str | None) -> str:
    """PR_ATTACH_LONG_FILENAME (Unicode) where Outlook wrote one, else the short name.

    The short name (attAttachTitle) is in the OEM code page of the sender's Windows, e.g.
    ``Bescheid_M\xfcller.pdf`` in cp1252; tnefparse's own ``name`` would decode it as UTF-8 and
    fail, so it is decoded here with the code page the TNEF stream declares."""
    for prop in getattr(attachment, "mapi_attrs", []):
        if prop.name == _LONG_FILENAME:
            try:
                value = prop.data
            except Exception:  # a malformed property: fall back to the short name
                break
            if isinstance(value, bytes):
                value = decode_text(value)
            if value and value.strip("\x00"):
                return str(value).rstrip("\x00")
    raw = getattr(attachment, "_name", b"")
    if isinstance(raw, str):
        return raw.rstrip("\x00")
    raw = bytes(raw).rstrip(b"\x00")
    try:
        return raw.decode(codepage or "cp1252")
    except (LookupError, UnicodeDecodeError):
        return decode_text(raw)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return decode_text(value.rstrip(b"\x00"))
    return str(value).rstrip("\x00")
