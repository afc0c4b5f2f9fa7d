"""The in-process workers' runtime (worker/runtime.py)."""

from __future__ import annotations


def test_a_drained_runtime_tells_its_consumers_to_stop_with_its_workers(settings, monkeypatch):
    """After drain() nothing is in flight: the consumers need not outlive the workers to pass on
    acknowledgements, and waiting for one poll after the other cost the end of every `eingang
    ingest` 0.1 s (issue 16)."""
    import dramatiq.worker

    from worker.runtime import WorkerRuntime

    runtime = WorkerRuntime(settings, threads=2)
    runtime.start(sweep=False)
    runtime.drain()
    consumers_running_at_joins = []
    join_all = dramatiq.worker.join_all

    def spy(threads, timeout):  # type: ignore[no-untyped-def]
        consumers_running_at_joins.append([c.running for c in runtime.worker.consumers.values()])
        return join_all(threads, timeout)

    monkeypatch.setattr(dramatiq.worker, "join_all", spy)
    runtime.stop()
    workers_joined = consumers_running_at_joins[0]
    assert workers_joined and not any(workers_joined)
    assert not any(t.is_alive() for t in runtime.worker.workers)
