"""Recognise the same mail arriving twice (two of our mailboxes, SMTP and IMAP, a resend).

Two copies of one mail differ only in their trace headers (Received, Delivered-To, Return-Path,
X-Original-To …) added on the way. The identity is the Message-ID plus a hash over what the
author wrote: From, Date, Subject and the body bytes. Without a Message-ID there is no
identity: mail without one is never merged.
"""

from __future__ import annotations

import hashlib
import re

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELDS = (b"message-id", b"from", b"date", b"subject")


def mail_identity(content: bytes) -> str | None:
    """SHA-256 of Message-ID, From, Date, Subject and body; None without a Message-ID."""
    match = _HEADER_END.search(content)
    head, body = (content[: match.start()], content[match.end() :]) if match else (content, b"")
    fields = _header_fields(head)
    if not fields.get(b"message-id", b"").strip():
        return None
    digest = hashlib.sha256()
    for name in _FIELDS:
        digest.update(name + b":" + b" ".join(fields.get(name, b"").split()) + b"\n")
    digest.update(b"\n")
    # Line endings and trailing whitespace change on the way through some servers.
    for line in body.replace(b"\r\n", b"\n").rstrip().split(b"\n"):
        digest.update(line.rstrip() + b"\n")
    return digest.hexdigest()


def _header_fields(head: bytes) -> dict[bytes, bytes]:
    fields: dict[bytes, bytes] = {}
    current: bytes | None = None
    for line in head.replace(b"\r\n", b"\n").split(b"\n"):
        if line[:1] in (b" ", b"\t") and current is not None:
            fields[current] += b" " + line.strip()
            continue
        name, sep, value = line.partition(b":")
        key = name.strip().lower() if sep else None
        if key in _FIELDS and key not in fields:  # the first occurrence counts
            fields[key] = value.strip()
            current = key
        else:
            current = None
    return fields
