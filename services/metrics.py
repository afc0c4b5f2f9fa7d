"""``/metrics``: the process counters (store.metrics) plus what only the database knows.

Backlog, outbox and the last successful poll per mailbox are the same for every process, so
they are read once per scrape from the database (``item_counts``, two indexed counts, a few
``component_status`` rows), not counted by each process. The health of every part is a gauge
too (0 ok, 1 warn, 2 fail), so one alert rule covers whatever ``/health`` knows.
"""

from __future__ import annotations

from collections import defaultdict

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from services import health
from store import counts, health_state
from store import metrics as process_metrics
from store.db import session_scope
from store.settings import Settings


class DatabaseCollector:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def collect(self):  # type: ignore[no-untyped-def]
        report = health.report(self.settings)
        status = GaugeMetricFamily(
            "eingang_health_status", "State of each part as in /health: 0 ok, 1 warn, 2 fail.",
            labels=["component", "name"])
        for check in report.checks:
            status.add_metric([check.component, check.name],
                              health_state.LEVELS.index(check.status))
        yield status
        yield GaugeMetricFamily("eingang_health_overall", "Worst state of all parts (0/1/2).",
                                value=health_state.LEVELS.index(report.status))
        polled = GaugeMetricFamily(
            "eingang_mailbox_last_poll_timestamp_seconds",
            "Unix time of the last successful poll of each IMAP mailbox.", labels=["mailbox"])
        for check in report.checks:
            if check.component == "mailbox" and check.last_ok_at is not None:
                polled.add_metric([check.name], check.last_ok_at.timestamp())
        yield polled
        if report.of("database").get("", None) and report.of("database")[""].status == "fail":
            return
        with session_scope(self.settings) as session:
            per_status: dict[str, int] = defaultdict(int)
            for (status_key, _queue, _urgent), n in counts.totals(session).items():
                per_status[status_key] += n
            pending, failed, _late = health.outbox_counts(session, report.checked_at)
        backlog = GaugeMetricFamily("eingang_items", "Items per status (item_counts).",
                                    labels=["status"])
        for key, n in sorted(per_status.items()):
            backlog.add_metric([key], n)
        yield backlog
        outbox = GaugeMetricFamily("eingang_outbox_messages", "Outbox messages by state.",
                                   labels=["status"])
        outbox.add_metric(["pending"], pending)
        outbox.add_metric(["failed"], failed)
        yield outbox


def exposition(settings: Settings) -> bytes:
    """The text format: this machine's processes (or this process) plus the database's view."""
    if process_metrics.MULTIPROCESS:
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        own = generate_latest(registry)
    else:
        own = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector(settings))
    return own + generate_latest(database)
