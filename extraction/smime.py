"""The signed content inside an opaque S/MIME message (application/pkcs7-mime; signed-data).

A small BER reader is enough: ContentInfo → SignedData → encapContentInfo → eContent. The
signature is not verified here (that needs the trust store of the Kommune); the mail keeps
the .p7m so that staff can check it with their own tools.
"""

from __future__ import annotations

SIGNED_DATA_OID = bytes.fromhex("2a864886f70d010702")  # 1.2.840.113549.1.7.2
_MAX_DEPTH = 32


class _BerError(ValueError):
    pass


def _read(data: bytes, pos: int, depth: int = 0) -> tuple[int, bool, int, int, int]:
    """(tag, constructed, content start, content end, next position) of the TLV at ``pos``."""
    if depth > _MAX_DEPTH or pos + 2 > len(data):
        raise _BerError("truncated")
    tag, constructed = data[pos], bool(data[pos] & 0x20)
    if tag & 0x1F == 0x1F:
        raise _BerError("high tag numbers are not used in CMS")
    length, pos = data[pos + 1], pos + 2
    if length == 0x80:  # indefinite: children until an end-of-contents marker
        start = pos
        while data[pos : pos + 2] != b"\x00\x00":
            pos = _read(data, pos, depth + 1)[4]
            if pos >= len(data):
                raise _BerError("no end-of-contents")
        return tag, constructed, start, pos, pos + 2
    if length & 0x80:
        size = length & 0x7F
        length, pos = int.from_bytes(data[pos : pos + size], "big"), pos + size
    if pos + length > len(data):
        raise _BerError("length beyond the data")
    return tag, constructed, pos, pos + length, pos + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, bool, int, int, int]]:
    items, pos = [], start
    while pos < end:
        item = _read(data, pos)
        items.append(item)
        pos = item[4]
    return items


def _octets(data: bytes, item: tuple[int, bool, int, int, int]) -> bytes:
    """An OCTET STRING, primitive or (BER) constructed from chunks."""
    tag, constructed, start, end, _ = item
    if not constructed:
        return data[start:end]
    return b"".join(_octets(data, child) for child in _children(data, start, end))


def signed_content(data: bytes) -> bytes | None:
    """The content of a CMS SignedData blob, or None when it is something else or broken."""
    try:
        content_info = _read(data, 0)
        oid, explicit = _children(data, content_info[2], content_info[3])[:2]
        if data[oid[2] : oid[3]] != SIGNED_DATA_OID:
            return None
        signed = _children(data, explicit[2], explicit[3])[0]
        fields = _children(data, signed[2], signed[3])
        encap = next(f for f in fields if f[0] == 0x30)  # version, digestAlgorithms, encap…
        parts = _children(data, encap[2], encap[3])
        if len(parts) < 2:  # detached: no content inside
            return None
        inner = _children(data, parts[1][2], parts[1][3])[0]
        return _octets(data, inner)
    except (_BerError, IndexError, StopIteration):
        return None
