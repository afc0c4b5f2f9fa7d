"""Group commit: the intake gateway's batching front for a connector that takes many inputs
at once (concurrent SMTP sessions).

Each caller blocks until its input is committed, exactly as with :func:`connectors.gateway.accept`.
Inputs that arrive while a transaction is being written wait for the next one and are written
together (store.intake.store_batch): one commit, one WAL flush and a handful of statements for
the whole group instead of about ten statements and a commit each. Nothing waits on purpose:
a lone input is written at once. The originals of a group go to disk in parallel (each costs
an fsync) before the transaction that records them.

The first pipeline step is enqueued by a thread of its own once the group is committed: the
sender need not wait for the broker's confirmation, because an item committed but never
enqueued (a crash in between) is started by the sweeper.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from connectors import gateway
from store.blobs import blob_store
from store.intake import Incoming
from store.settings import Settings
from worker import intake_first

log = logging.getLogger(__name__)

_Request = tuple[Incoming, "Future[tuple[int, bool]]"]


class GroupCommit:
    def __init__(self, settings: Settings, max_group: int = 64, blob_threads: int = 8) -> None:
        self.settings = settings
        self.max_group = max_group
        self._requests: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._blob_pool = ThreadPoolExecutor(blob_threads, thread_name_prefix="intake-blobs")
        self._to_start: queue.SimpleQueue[list[int] | None] = queue.SimpleQueue()
        self._writer = threading.Thread(target=self._run, name="intake-commit", daemon=True)
        self._starter = threading.Thread(target=self._start_items, name="intake-enqueue", daemon=True)
        self._writer.start()
        self._starter.start()

    def accept(self, incoming: Incoming) -> tuple[int, bool]:
        """Store ``incoming`` durably; returns once committed (its first step is enqueued
        right after). Raises when storage fails: the connector must refuse (SMTP 451)."""
        return self.submit(incoming).result()

    def submit(self, incoming: Incoming) -> Future[tuple[int, bool]]:
        """:meth:`accept` without blocking: the future resolves once ``incoming`` is committed
        (an event loop awaits it with ``asyncio.wrap_future``)."""
        future: Future[tuple[int, bool]] = Future()
        intake_first.begin()  # embedded pipeline threads wait while mail is being taken in
        future.add_done_callback(lambda _: intake_first.end())
        self._requests.put((incoming, future))
        return future

    def close(self) -> None:
        self._requests.put(None)
        self._writer.join(timeout=60)
        self._to_start.put(None)
        self._starter.join(timeout=60)
        self._blob_pool.shutdown()

    def _start_items(self) -> None:
        while (item_ids := self._to_start.get()) is not None:
            gateway.start(item_ids)

    def _run(self) -> None:
        while True:
            first = self._requests.get()
            if first is None:
                return
            group = [first]
            while len(group) < self.max_group:
                try:
                    request = self._requests.get_nowait()
                except queue.Empty:
                    break
                if request is None:  # close(): finish this group first
                    self._requests.put(None)
                    break
                group.append(request)
            self._write(group)

    def _write(self, group: list[_Request]) -> None:
        incomings = [incoming for incoming, _ in group]
        try:
            results = gateway.store_many(incomings, self.settings, self._put_all)
        except Exception:
            if len(group) == 1:
                log.exception("input could not be stored")
            else:
                # One bad input, or a copy of a mail committed by another process a moment
                # ago: each on its own, so that only what really fails is refused.
                log.warning("group of %d not stored together, storing one by one", len(group),
                            exc_info=True)
            self._write_singly(group)
            return
        for (_, future), result in zip(group, results, strict=True):
            future.set_result(result)
        self._to_start.put(gateway.item_ids_to_start(incomings, results))

    def _write_singly(self, group: list[_Request]) -> None:
        for incoming, future in group:
            try:
                result = gateway.store_one(incoming, self.settings)
            except Exception as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)
                self._to_start.put(gateway.item_ids_to_start([incoming], [result]))

    def _put_all(self, contents: list[bytes]) -> list[str]:
        blobs = blob_store(self.settings)
        if len(contents) <= 1:
            return [blobs.put(content) for content in contents]
        return list(self._blob_pool.map(blobs.put, contents))
