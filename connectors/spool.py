"""The SMTP spool: where an accepted mail is kept, with its receipt time, from the 250 on.

The SMTP process appends each accepted mail to a segment file of its own and answers 250 once
the record is on disk (fdatasync; one for every group of concurrent mails, connectors.spool_writer).
From then on the record is the legal original: the raw bytes as received, the envelope and the
receipt time (``received_at``, taken when the data reached us). connectors.spool_ingest copies
it into the blob store and an item, unchanged, and only then removes the segment. Between the
two the record is the authority's only copy, so it is written and read as carefully as a blob:

    record  = header (20 bytes) + meta (JSON) + message
    header  = b"EGS1" + len(meta) (u32) + len(message) (u64) + crc32(meta + message) (u32)

A crash can leave the last record of a segment torn (a write or an fsync that did not finish:
its sender never got a 250 and sends again). The reader tells that from damage of a record that
was acknowledged: a bad record followed by a good one is kept as a damaged record (it becomes an
item that needs attention, with the bytes as found); a bad end of the file is the torn tail.
"""

from __future__ import annotations

import itertools
import json
import os
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAGIC = b"EGS1"
HEADER = struct.Struct(">4sIQI")
SUFFIX = ".spool"
MAX_META = 1 << 20  # a longer meta length is damage, not an envelope


@dataclass(frozen=True)
class SpooledMail:
    received_at: datetime  # legal receipt time, timezone-aware
    sender: str | None
    recipients: list[str]
    content: bytes


@dataclass(frozen=True)
class Entry:
    """One record read back: the mail, or (``mail`` None) the raw bytes of a damaged record
    and the receipt time of the sound record after it (``latest``: it came no later)."""

    offset: int
    end: int
    mail: SpooledMail | None
    raw: bytes = b""
    latest: datetime | None = None


def encode(mail: SpooledMail) -> bytes:
    meta = json.dumps({"received_at": mail.received_at.isoformat(), "sender": mail.sender,
                       "recipients": mail.recipients}, ensure_ascii=False).encode()
    crc = zlib.crc32(mail.content, zlib.crc32(meta))
    return b"".join((HEADER.pack(MAGIC, len(meta), len(mail.content), crc), meta, mail.content))


def _decode_at(data: memoryview, offset: int) -> tuple[int, SpooledMail] | None:
    """The record at ``offset`` and where it ends, or None if there is no whole, sound one."""
    if len(data) - offset < HEADER.size:
        return None
    magic, meta_len, body_len, crc = HEADER.unpack_from(data, offset)
    start = offset + HEADER.size
    end = start + meta_len + body_len
    if magic != MAGIC or meta_len > MAX_META or end > len(data):
        return None
    meta, body = data[start:start + meta_len], data[start + meta_len:end]
    if zlib.crc32(body, zlib.crc32(meta)) != crc:
        return None
    try:
        fields = json.loads(bytes(meta))
        mail = SpooledMail(datetime.fromisoformat(fields["received_at"]), fields["sender"],
                           list(fields["recipients"]), bytes(body))
    except (ValueError, KeyError, TypeError):
        return None
    return end, mail


def read(path: Path, start: int = 0, stop: int | None = None, *,
         final: bool = False, limit: int = 1 << 30) -> Iterator[Entry]:
    """The records of a segment from ``start`` up to ``stop`` (the end of what is durable).

    ``final``: nobody writes this segment any more, so what does not read as a record is damage
    or the torn tail (see the module's doc); otherwise reading stops before it (a record being
    written). At most about ``limit`` bytes of records.
    """
    with path.open("rb") as f:
        f.seek(start)
        data = memoryview(f.read(-1 if stop is None else max(0, stop - start)))
    offset, taken = 0, 0
    while offset < len(data) and taken < limit:
        decoded = _decode_at(data, offset)
        if decoded is not None:
            end, mail = decoded
            yield Entry(start + offset, start + end, mail)
            taken += end - offset
            offset = end
            continue
        if not final:
            return
        following = _next_sound(data, offset + 1)
        if following is None:
            return  # the torn tail: never acknowledged, its sender sends again
        found, (_, after) = following
        yield Entry(start + offset, start + found, None, bytes(data[offset:found]), after.received_at)
        taken += found - offset
        offset = found


def _next_sound(data: memoryview, offset: int) -> tuple[int, tuple[int, SpooledMail]] | None:
    raw = bytes(data)
    while (found := raw.find(MAGIC, offset)) >= 0:
        if (decoded := _decode_at(data, found)) is not None:
            return found, decoded
        offset = found + 1
    return None


_serial = itertools.count()


def segment_name() -> str:
    """Unique per process (several SMTP servers may share one) and moment; sorts by time."""
    return (f"smtp-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}-{os.getpid()}-{next(_serial)}"
            f"{SUFFIX}")


def segments(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.name.endswith(SUFFIX))
    except FileNotFoundError:
        return []
