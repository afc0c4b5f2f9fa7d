"""Speed of the Steuerung dashboard with 1,000,000 items on PostgreSQL: the figures for the
default period (14 days), a year by month and a Fachamt user's view, and the whole page and
one chart over HTTP; prints p50/p95 in milliseconds (target: p95 ≤ 200 ms).

The items are those of bench/inbox.py (two years, 35 % done), generated in SQL before the
migrations run (so 0018 backfills the daily inflow as it would for an existing database).
Then two years of daily history per office (routed, re-routed, closed, first actions, in all
8 slots) and assignments and deadlines for open items are added, as a running system has them.

    .venv/bin/python bench/steering.py [--items 1000000] [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

HISTORY = """
INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total)
SELECT d::date, m.metric, q.queue, m.channel, s, 1 + (random() * m.scale)::int,
       CASE WHEN m.metric = 'first_action' THEN random() * 200000 ELSE 0 END
FROM generate_series(now() - interval '730 days', now(), interval '1 day') AS d,
     unnest(ARRAY['jobcenter','sozialamt','wohngeld','eingliederungshilfe','schuldnerberatung',
                  'suchtberatung','extern','clearing']) AS q(queue),
     (VALUES ('routed', 'email', 20), ('routed', 'letter', 10), ('routed', 'webform', 10),
             ('routed', 'phone', 5), ('reroute', '', 2), ('done_auto', '', 5),
             ('done_person', '', 15), ('first_action', '', 15)) AS m(metric, channel, scale),
     generate_series(0, 7) AS s
ON CONFLICT DO NOTHING
"""
OPEN_WORK = """
UPDATE items SET assigned_to = CASE WHEN id % 3 = 0 THEN 'person' || (id % 60) END,
                 deadline = CASE WHEN id % 50 = 0 THEN now() + ((id % 21) - 10) * interval '1 day' END
WHERE status <> 'done'
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from alembic import command
    from sqlalchemy import create_engine

    from bench.inbox import fill
    from store.db import alembic_config
    from store.settings import get_settings
    from tests.services import postgres_database

    with postgres_database() as url:
        os.environ["EINGANG_DATABASE_URL"] = url
        os.environ.setdefault("EINGANG_DATA_DIR", "/tmp/eingang-bench-steering")
        get_settings.cache_clear()
        cfg = alembic_config(get_settings())
        command.upgrade(cfg, "0004_audit_retention")
        engine = create_engine(url)
        start = time.perf_counter()
        with engine.begin() as conn:
            fill(conn, args.items)
        print(f"filled {args.items:,} items in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        command.upgrade(cfg, "head")
        with engine.begin() as conn:
            conn.exec_driver_sql(HISTORY)
            conn.exec_driver_sql(OPEN_WORK.replace("%", "%%"))
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
        print(f"migrations, history and open work in {time.perf_counter() - start:.0f} s")
        engine.dispose()
        report(args.runs)


def report(runs: int) -> None:
    from sqlalchemy import func, select

    from bench.inbox import timed
    from services import steering
    from store.db import session_scope
    from store.models import SteeringDaily
    from store.settings import get_settings
    from store.users import create_user
    from tests.web import PASSWORD, client_for

    settings = get_settings()
    with session_scope() as session:
        rows = session.scalar(select(func.count()).select_from(SteeringDaily))
        create_user(session, "leitung", PASSWORD, ["leitung"], [], "Leitung")
    print(f"steering_daily: {rows:,} rows")

    def figures(unit: str, queues: frozenset[str] | None):  # type: ignore[no-untyped-def]
        def run() -> None:
            now = datetime.now(UTC)
            with session_scope() as session:
                board = steering.dashboard(session, settings,
                                           steering.Period.parse(unit, None, None, now.date()), queues, now)
            assert board.inflow_total and board.offices
        return run

    client = client_for("leitung")

    def http(path: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            assert client.get(path).status_code == 200
        return run

    cases = [
        ("figures: 14 days by day, all offices", figures("tag", None)),
        ("figures: 12 months by month, all offices", figures("monat", None)),
        ("figures: 12 weeks, Fachamt user (sozialamt)", figures("woche", frozenset({"sozialamt"}))),
        ("GET /steuerung (page, 12 months)", http("/steuerung?einheit=monat")),
        ("GET /steuerung/diagramm/zufluss.svg (12 months)", http("/steuerung/diagramm/zufluss.svg?einheit=monat")),
        ("GET /steuerung/aemter.csv", http("/steuerung/aemter.csv")),
    ]
    print(f"{'request (1,000,000 items)':<52}{'p50 ms':>9}{'p95 ms':>9}")
    for name, fn in cases:
        p50, p95 = timed(fn, runs)
        print(f"{name:<52}{p50:>9.1f}{p95:>9.1f}")


if __name__ == "__main__":
    main()
