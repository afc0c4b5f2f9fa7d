"""Appending to the SMTP spool from the event loop, with one fdatasync per group of mails.

Each accepted mail is written (one ``os.write``, into the page cache: microseconds) on the event
loop itself; its DATA handler then waits for the next fdatasync of the segment, which runs in a
thread of its own. Mails that arrive while one fdatasync runs are covered by the next: with
eight senders at once, one disk flush answers about eight mails, and nothing ever waits on purpose.

The segment files stay locked (flock) by this process until its ingest has taken every record
and deleted them; a segment whose lock is free belongs to a process that died, and any
process's ingest may take it over (connectors.spool_ingest).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from connectors.spool import segment_name

ROLL_BYTES = 16 << 20  # a new segment after this many bytes ...
ROLL_SECONDS = 60.0  # ... or this long, so that ingested mail does not linger in the spool
IDLE_SECONDS = 10.0  # a segment no mail came to for this long is closed (and then deleted)
MAX_SYNCS = 4  # a group need not wait for the flush before it to end (a shared disk: 2x)


@dataclass(eq=False)
class Segment:
    path: Path
    fd: int
    created: float = field(default_factory=time.monotonic)
    appended: float = field(default_factory=time.monotonic)  # when the last record came
    written: int = 0  # bytes appended
    durable: int = 0  # bytes known to be on disk
    syncing: int = 0  # bytes an fdatasync under way will make durable
    closed: bool = False  # no more appends: once durable == written, its end is final
    new: bool = True  # its directory entry is not yet synced
    waiters: list[tuple[int, asyncio.Future[None]]] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return self.closed and not self.waiters


class SpoolWriter:
    """This process's segments; :meth:`append` is called on one event loop only."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()  # the list of segments, shared with the ingest thread
        self._segments: list[Segment] = []
        self._current: Segment | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._syncing = 0  # fdatasyncs under way
        self._pool = ThreadPoolExecutor(MAX_SYNCS, thread_name_prefix="spool-fsync")
        self.appended = threading.Event()  # set when records became durable (wakes the ingest)

    def segments(self) -> list[Segment]:
        with self._lock:
            return list(self._segments)

    async def append(self, record: bytes) -> None:
        """Write ``record`` and return once it is on disk; raises (the sender gets a 451) if it
        cannot be written or synced, leaving no part of it in the spool."""
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        segment = self._segment_for(len(record))
        segment.appended = time.monotonic()
        start = segment.written
        try:
            view = memoryview(record)
            while view:
                view = view[os.write(segment.fd, view):]
        except OSError:
            os.ftruncate(segment.fd, start)  # no torn record in the middle of a segment
            raise
        segment.written = start + len(record)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        segment.waiters.append((segment.written, done))
        if self._syncing < MAX_SYNCS:
            self._sync()
        await done

    def _segment_for(self, size: int) -> Segment:
        current = self._current
        if current is not None and (current.written + size > ROLL_BYTES and current.written
                                    or time.monotonic() - current.created > ROLL_SECONDS):
            current.closed = True
            current = self._current = None
        if current is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.directory / segment_name()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            current = self._current = Segment(path, fd)
            with self._lock:
                self._segments.append(current)
        return current

    def _sync(self) -> None:
        """One fdatasync for every segment with appended, unsynced records (on the loop)."""
        jobs = [(s, s.written) for s in self.segments() if s.written > max(s.durable, s.syncing)]
        if not jobs:
            return
        self._syncing += 1
        for segment, target in jobs:
            segment.syncing = target
        future = asyncio.get_running_loop().run_in_executor(self._pool, _flush, self.directory, jobs)
        future.add_done_callback(lambda f: self._synced(jobs, f))

    def _synced(self, jobs: list[tuple[Segment, int]], future: asyncio.Future[None]) -> None:
        self._syncing -= 1
        error = future.exception()
        for segment, target in jobs:
            covered = [w for end, w in segment.waiters if end <= target]
            segment.waiters = [(end, w) for end, w in segment.waiters if end > target]
            if error is None:
                segment.durable, segment.new = max(segment.durable, target), False
                for waiter in covered:
                    waiter.set_result(None)
            else:
                # The disk may have dropped any of it: every sender of the group gets a 451 and
                # sends again; what did reach the disk is merged with the resent copy (items are
                # unique per mail). The segment takes no more records.
                segment.closed = True
                if segment is self._current:
                    self._current = None
                for waiter in covered:
                    waiter.set_exception(error)
        if error is None:
            self.appended.set()
        self._sync()  # what was appended meanwhile

    def close_if_idle(self) -> None:
        """From any thread: close the current segment once no mail came for IDLE_SECONDS and
        all of it is on disk, so that a quiet spool keeps no mail (the ingest deletes it)."""
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the server stopped: close() did it
                loop.call_soon_threadsafe(self._close_if_idle)

    def _close_if_idle(self) -> None:  # on the loop: no append can come in between
        current = self._current
        if (current is not None and not current.waiters and current.durable == current.written
                and time.monotonic() - current.appended > IDLE_SECONDS):
            current.closed = True
            self._current = None

    def release(self, segment: Segment) -> None:
        """The ingest took every record of a finished segment: delete it, then unlock."""
        segment.path.unlink(missing_ok=True)
        os.close(segment.fd)
        with self._lock:
            self._segments.remove(segment)

    def close(self) -> None:
        """At stop (the event loop is gone): the current segment takes no more records."""
        if self._current is not None:
            self._current.closed = True
            self._current = None
        self._pool.shutdown()
        self.appended.set()


def _flush(directory: Path, jobs: list[tuple[Segment, int]]) -> None:
    for segment, _ in jobs:
        os.fdatasync(segment.fd)
    if any(segment.new for segment, _ in jobs):
        fd = os.open(directory, os.O_RDONLY)  # the new segment's name, durable too
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
