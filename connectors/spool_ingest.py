"""From the SMTP spool into the store: the second half of the SMTP intake, off the sender's path.

A thread of the SMTP process takes the durable records of its own spool segments, in order, and
stores them through the intake gateway, many per transaction; then it starts their pipeline and,
once a segment is closed and all of it is stored, deletes it. Each record is stored under its
spool position as the receipt's external id (``spool:<segment>:<offset>``), so a record stored
once is never stored twice: not after a crash between the commit and the deletion of its
segment, not when another process takes over the segments of one that died (their lock is free).

The thread lets the SMTP event loop go first (worker.intake_first) unless the backlog grows
large: during a burst the senders get their 250s and the items follow within moments after it.

A record that cannot be stored while others can (three rounds) is stored as an item that
needs attention, with its bytes unchanged; a damaged record (connectors.spool) likewise. When
nothing can be stored (database or disk down) the records wait in the spool and are tried
again with backoff.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from connectors import gateway
from connectors.spool import Entry, read, segments
from connectors.spool_writer import Segment, SpoolWriter
from store.blobs import blob_store
from store.enums import Channel
from store.intake import Incoming
from store.settings import Settings
from worker import intake_first

log = logging.getLogger(__name__)

BATCH_BYTES = 8 << 20  # records per transaction, at most about this much mail
ROUNDS_BEFORE_ATTENTION = 3
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 10.0
BLOB_THREADS = 8
# While mail comes in the ingest lets the SMTP event loop go first, so that a burst gets its
# 250s undisturbed and the items follow it; only a backlog of this many bytes (some ten thousand
# ordinary mails), or one older than YIELD_LONGEST seconds, is stored meanwhile. A time limit
# alone would turn a burst slowed down by something else into one slowed down by the ingest too.
YIELD_BACKLOG = 16 << 20
YIELD_LONGEST = 30.0
# Quiet means no mail for this long: on a busy machine the event loop thread may not run for
# ten milliseconds in the middle of a burst (worker.intake_first.QUIET, the pipeline's measure).
YIELD_QUIET = 0.1
ORPHANS_EVERY = 5.0  # seconds between looks for segments of processes that died

DAMAGED = ("Dieser Eintrag wurde im SMTP-Zwischenspeicher beschädigt gefunden; die gefundenen "
           "Bytes sind unverändert als Original aufbewahrt. Eingangszeit: spätestens die angegebene.")
NOT_STORABLE = ("Diese E-Mail ließ sich nicht als gewöhnlicher Eingang speichern ({reason}); "
                "sie ist unverändert als Original aufbewahrt.")

_running: weakref.WeakSet[SpoolIngest] = weakref.WeakSet()


def idle() -> bool:
    """Whether every ingest of this process has stored all that its spool holds (tests)."""
    return all(ingest.idle() for ingest in list(_running))


@dataclass(eq=False)
class _Orphan:
    """A segment of a process that died, locked by us while we take it over."""

    path: Path
    fd: int
    closed: bool = True

    @property
    def finished(self) -> bool:
        return True


class SpoolIngest:
    def __init__(self, settings: Settings, writer: SpoolWriter) -> None:
        self.settings, self.writer = settings, writer
        self._read_to: dict[object, int] = {}  # segment → offset up to which all is stored
        self._failures: dict[tuple[str, int], int] = {}
        self._orphans: list[_Orphan] = []
        self._blob_pool = ThreadPoolExecutor(BLOB_THREADS, thread_name_prefix="spool-blobs")
        self._stop = threading.Event()
        self._busy = True  # until the first pass found nothing to do
        self._thread = threading.Thread(target=self._run, name="spool-ingest", daemon=True)
        _running.add(self)
        self._thread.start()

    def idle(self) -> bool:
        return not self._busy and not self._pending()

    def stop(self, seconds: float = 10.0) -> None:
        """Store what is durable (for at most ``seconds``), then end; the rest waits for the
        next start."""
        self._stop.set()
        self.writer.appended.set()
        self._thread.join(timeout=seconds)
        _running.discard(self)
        self._blob_pool.shutdown(wait=False)

    def _put_all(self, contents: list[bytes]) -> list[str]:
        """The group's originals into the blob store at once: each costs an fsync."""
        blobs = blob_store(self.settings)
        if len(contents) <= 1:
            return [blobs.put(content) for content in contents]
        return list(self._blob_pool.map(blobs.put, contents))

    def _run(self) -> None:
        backoff, next_orphan_look = FIRST_BACKOFF, 0.0
        while True:
            stopping = self._stop.is_set()
            if time.monotonic() >= next_orphan_look:
                self._adopt_orphans()
                next_orphan_look = time.monotonic() + ORPHANS_EVERY
            self.writer.appended.clear()
            try:
                progressed = self._pass(yield_first=not stopping)
            except Exception as exc:  # noqa: BLE001 (store down: the records wait in the spool)
                log.warning("spooled mail not stored yet (%s), trying again in %.1f s",
                            type(exc).__name__, backoff)
                if self._stop.wait(backoff):
                    return
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = FIRST_BACKOFF
            if progressed:
                continue
            self._busy = False
            if stopping:
                return
            self.writer.close_if_idle()  # the next pass deletes it once all of it is stored
            self.writer.appended.wait(1.0)
            self._busy = True

    def _pending(self) -> bool:
        return bool(self._orphans) or any(
            self._stored_to(s) < s.durable or s.finished for s in self.writer.segments())

    def _stored_to(self, segment: object) -> int:
        return self._read_to.get(segment, 0)

    def _pass(self, yield_first: bool) -> bool:
        """Store one batch of the oldest segment with durable, unstored records; whether there was any."""
        for segment in [*self._orphans, *self.writer.segments()]:
            start = self._stored_to(segment)
            if not segment.finished and start >= segment.durable:  # type: ignore[union-attr]
                continue
            if yield_first:
                self._yield_to_intake()
            final = segment.finished
            durable = None if final else segment.durable  # type: ignore[union-attr]
            entries = list(read(segment.path, start, durable, final=final, limit=BATCH_BYTES))
            if entries:
                self._store(segment.path.name, entries)
                self._read_to[segment] = entries[-1].end
                return True
            if final:
                self._forget(segment)
                return True
        return False

    def _yield_to_intake(self) -> None:
        started = time.monotonic()
        while (intake_first.busy(YIELD_QUIET) and time.monotonic() - started < YIELD_LONGEST
               and self._backlog() < YIELD_BACKLOG and not self._stop.is_set()):
            time.sleep(intake_first.QUIET)

    def _backlog(self) -> int:
        return sum(s.durable - self._stored_to(s) for s in self.writer.segments())

    def _forget(self, segment: Segment | _Orphan) -> None:
        self._read_to.pop(segment, None)
        if isinstance(segment, _Orphan):
            segment.path.unlink(missing_ok=True)
            os.close(segment.fd)
            self._orphans.remove(segment)
        else:
            self.writer.release(segment)

    def _store(self, name: str, entries: list[Entry]) -> None:
        incomings = [_incoming(name, entry) for entry in entries]
        try:
            gateway.accept_many(incomings, self.settings, self._put_all)
            for entry in entries:
                self._failures.pop((name, entry.offset), None)
            return
        except Exception:  # noqa: BLE001 (one bad record, or the store down: see below)
            if len(incomings) > 1:
                log.warning("spooled group of %d not stored together, storing one by one",
                            len(incomings), exc_info=True)
        for entry, incoming in zip(entries, incomings, strict=True):
            self._store_one(name, entry, incoming)

    def _store_one(self, name: str, entry: Entry, incoming: Incoming) -> None:
        key = (name, entry.offset)
        try:
            gateway.accept(incoming, self.settings)
            self._failures.pop(key, None)
            return
        except Exception as exc:
            rounds = self._failures[key] = self._failures.get(key, 0) + 1
            if rounds < ROUNDS_BEFORE_ATTENTION:
                raise
            reason = type(exc).__name__
        log.error("spooled mail %s:%d stored as needing attention (%s)", name, entry.offset, reason)
        incoming.attention = NOT_STORABLE.format(reason=reason)
        gateway.accept(incoming, self.settings)  # raises when the store is down: tried again
        self._failures.pop(key, None)

    def _adopt_orphans(self) -> None:
        mine = {s.path for s in self.writer.segments()} | {o.path for o in self._orphans}
        for path in segments(self.writer.directory):
            if path in mine:
                continue
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:  # a live SMTP process writes or ingests it
                os.close(fd)
                continue
            if not path.exists():  # taken and deleted meanwhile by another process
                os.close(fd)
                continue
            log.info("taking over spool segment %s of a process that ended", path.name)
            self._orphans.append(_Orphan(path, fd))


def _incoming(name: str, entry: Entry) -> Incoming:
    external_id = f"spool:{name}:{entry.offset}"
    if entry.mail is None:
        return Incoming(channel=Channel.EMAIL, content=entry.raw, media_type="application/octet-stream",
                        received_at=entry.latest, actor="connector:smtp",  # type: ignore[arg-type]
                        external_id=external_id, mailbox="smtp-spool", attention=DAMAGED)
    mail = entry.mail
    return Incoming(channel=Channel.EMAIL, content=mail.content, media_type="message/rfc822",
                    received_at=mail.received_at, sender=mail.sender or None,
                    mailbox=",".join(mail.recipients), actor="connector:smtp",
                    external_id=external_id)
