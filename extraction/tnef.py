"""Outlook's winmail.dat (TNEF): unpack the body and the files inside, when possible."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from extraction.charset import decode_text
from extraction.html import html_to_text

try:  # optional: without it winmail.dat is only kept, not unpacked
    from tnefparse import TNEF
except ImportError:  # pragma: no cover - depends on the installation
    TNEF = None

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
        tnef = TNEF(content, do_checksum=False)
    except Exception:  # any malformed blob: the caller keeps it as it is
        return None
    body = _text(tnef.body)
    if not body.strip() and tnef.htmlbody:
        body = html_to_text(_text(tnef.htmlbody))
    files = []
    for attachment in tnef.attachments:
        data = getattr(attachment, "data", None)
        if not data:
            continue
        try:
            name = attachment.long_filename() or attachment.name
        except Exception:
            name = getattr(attachment, "name", None)
        if isinstance(name, bytes):
            name = decode_text(name)
        files.append((str(name or "").rstrip("\x00"), bytes(data)))
    return Unpacked(body=body, files=files)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return decode_text(value.rstrip(b"\x00"))
    return str(value).rstrip("\x00")
