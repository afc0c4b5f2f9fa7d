"""Small generated mails for the MIME tests: raw bytes, exactly as a mail server would see them."""

from __future__ import annotations

import base64

HEAD = (
    "From: Erika Mustermann <erika@example.org>\r\n"
    "To: sozialamt@musterstadt.de\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "Date: Mon, 03 Nov 2025 10:00:00 +0100\r\n"
    "MIME-Version: 1.0\r\n"
)


def mail(headers: str, body: bytes | str, head: str = HEAD) -> bytes:
    """A mail from header lines (``\\n`` separated, without the common head) and a body."""
    headers = "".join(line + "\r\n" for line in headers.strip("\n").split("\n") if line)
    if isinstance(body, str):
        body = body.encode("utf-8")
    raw = (head + headers + "\r\n").encode("utf-8") + body
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def part(headers: str, body: bytes | str) -> bytes:
    headers = "".join(line + "\n" for line in headers.strip("\n").split("\n") if line)
    if isinstance(body, str):
        body = body.encode("utf-8")
    return headers.encode("utf-8") + b"\n" + body


def multipart(subtype: str, parts: list[bytes], boundary: str = "XyZ", extra: str = "") -> tuple[str, bytes]:
    """(Content-Type header, body) of a multipart with the given raw parts."""
    body = b"".join(b"--" + boundary.encode() + b"\n" + p + b"\n" for p in parts)
    body += b"--" + boundary.encode() + b"--\n"
    return f'Content-Type: multipart/{subtype}; boundary="{boundary}"{extra}', body


def b64(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii")
