"""Run workers: threads in this process, on whatever broker the settings name.

Embedded mode uses dramatiq's in-process StubBroker, so everything is lost with the process;
that is why an embedded start sweeps every non-final item at once (the database is the truth).
"""

from __future__ import annotations

import logging
import threading
import time

import dramatiq

from store.settings import Settings
from worker import actors
from worker.broker import configure_broker
from worker.heartbeat import Heartbeat, process_name
from worker.intake_first import IntakeFirst
from worker.sweeper import run_periodically

log = logging.getLogger(__name__)


class WorkerRuntime:
    def __init__(
        self, settings: Settings, threads: int | None = None, queues: list[str] | None = None
    ) -> None:
        self.settings = settings
        self.broker = configure_broker(settings, actors.bind)
        if settings.embedded_broker:  # pipeline threads beside the intake: it goes first
            self.broker.add_middleware(IntakeFirst())
        self.worker = dramatiq.Worker(
            self.broker, queues=set(queues) if queues else None,
            worker_threads=threads or settings.worker_threads, worker_timeout=100,
        )
        self._stop = threading.Event()
        self._sweeper: threading.Thread | None = None
        self.heartbeat = Heartbeat(settings, process_name(queues), self._threads_alive)

    def start(self, *, sweep: bool = True) -> None:
        self.worker.start()
        self.heartbeat.start()
        if sweep:
            self._sweeper = threading.Thread(
                target=run_periodically,
                args=(self.settings, self._stop),
                kwargs={"first_everything": self.settings.embedded_broker},
                name="eingang-sweeper",
                daemon=True,
            )
            self._sweeper.start()
        log.info("worker started (%s)", type(self.broker).__name__)

    def drain(self, timeout: float = 3600.0) -> None:
        """Embedded mode: wait until every queue is empty and no step is running."""
        from dramatiq.brokers.stub import StubBroker

        if not isinstance(self.broker, StubBroker):
            raise RuntimeError("drain() only makes sense with the in-process broker")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in list(self.broker.queues):
                self.broker.join(name, timeout=int(max(deadline - time.monotonic(), 1) * 1000))
            self.worker.join()
            if self._idle():
                return
        raise TimeoutError("pipeline did not finish in time")

    def _idle(self) -> bool:
        """The in-process broker with no message queued or running (as after ``drain``)."""
        from dramatiq.brokers.stub import StubBroker

        return isinstance(self.broker, StubBroker) and all(
            q.unfinished_tasks == 0 for q in self.broker.queues.values())

    def _threads_alive(self) -> int:
        return sum(1 for t in self.worker.workers if t.is_alive())

    def stop(self) -> None:
        self._stop.set()
        if self._idle():
            # Nothing in flight, so no acknowledgement for a consumer to pass on: every thread is
            # told at once. dramatiq's stop tells the consumers only once the workers have
            # ended, so the end of `eingang ingest` waited for two polls (worker_timeout) in turn.
            for thread in (*self.worker.workers, *self.worker.consumers.values()):
                thread.stop()
        self.worker.stop()
        self.heartbeat.stop()
        if self._sweeper is not None:
            self._sweeper.join(timeout=5)
