"""Recognise the same mail arriving twice (two of our mailboxes, SMTP and IMAP, a resend).

Copies of one mail differ only in the trace headers servers add on the way (Received,
Delivered-To, Return-Path, X-Original-To, spam and virus scanner marks …). The identity is a
hash over everything else, byte for byte: the author's headers in order and the body. Mail
without a Message-ID has no identity and is never merged.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

_HEADER_END = re.compile(rb"\r?\n\r?\n")
_FIELD_START = re.compile(rb"^[!-9;-~]+:", re.MULTILINE)  # a header name, RFC 5322 ftext
# Added in transit or by the receiving server, never by the author's mail program.
_TRACE = re.compile(
    rb"^(received|received-spf|delivered-to|return-path|envelope-to|x-[^:]*|"
    rb"authentication-results|arc-[^:]*|status|x-status|content-length|lines)$"
)


# A stored file's header block is looked for in its first bytes only (a mail streamed to disk
# because it is large); beyond that it gets no identity and is never merged.
_FILE_HEAD_BYTES = 1024 * 1024
_FILE_CHUNK = 1024 * 1024


def mail_identity(content: bytes) -> str | None:
    """SHA-256 over the non-trace headers and the body; None without a Message-ID."""
    match = _HEADER_END.search(content)
    head, body = (content[: match.start()], content[match.end() :]) if match else (content, b"")
    digest = _header_digest(head)
    if digest is None:
        return None
    digest.update(b"\n" + body)
    return digest.hexdigest()


def mail_identity_of_file(path: Path) -> str | None:
    """``mail_identity`` of a stored mail, read in chunks (the same value for the same bytes)."""
    with open(path, "rb") as fh:
        start = fh.read(_FILE_HEAD_BYTES)
        match = _HEADER_END.search(start)
        if match is None:
            return None
        digest = _header_digest(start[: match.start()])
        if digest is None:
            return None
        digest.update(b"\n" + start[match.end() :])
        while chunk := fh.read(_FILE_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _header_digest(head: bytes):  # type: ignore[no-untyped-def]
    fields = _fields(head)
    if not any(name == b"message-id" and value.strip() for name, value in fields):
        return None
    digest = hashlib.sha256()
    for name, value in fields:
        if not _TRACE.match(name):
            digest.update(name + b":" + value + b"\n")
    return digest


def _fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """(lower-case name, raw value incl. folding) of each header field, in order."""
    starts = [m.start() for m in _FIELD_START.finditer(head)]
    fields = []
    for start, end in zip(starts, [*starts[1:], len(head)], strict=False):
        name, _, value = head[start:end].partition(b":")
        fields.append((name.strip().lower(), value.rstrip(b"\r\n")))
    return fields
