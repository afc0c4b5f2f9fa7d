"""Speed of the Steuerung dashboard with 1,000,000 items on PostgreSQL: the figures for every
period (14 days by day, 12 weeks, 12 months, 3 years by year), an office's view, the whole page,
each chart and each CSV over HTTP; prints p50/p95 in milliseconds (target: p95 ≤ 20 ms, issue
#16). ``GET /healthz`` (one ``SELECT 1``, no login) through the same test client is the bare
reference: what any request costs here before the dashboard does anything.

The database is bench/fill.py's (two years of items, 35 % done; ``steering_daily`` and
``assigned_counts`` computed from the same items, spread over all 8 slots as busy writers leave
them, then folded as the sweeper does: ~50,000 rows of daily figures). ``--sqlite DIR`` times
the same on embedded SQLite, the items bulk-loaded into DIR by bench/sqlite_copy.py (kept and
reused; with ``EINGANG_BENCH_DATABASE`` that PostgreSQL database is only read):

    [EINGANG_BENCH_DATABASE=eingang_bench1m] .venv/bin/python bench/steering.py [--items 1000000] [--runs 40]
        [--sqlite DIR [--sqlite-items N]] [--only WORD]
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--sqlite", metavar="DIR", help="copy the filled database into embedded SQLite "
                        "under DIR (kept and reused) and time the requests there")
    parser.add_argument("--sqlite-items", type=int, help="only the newest N items into SQLite")
    parser.add_argument("--only", metavar="WORD", help="only the requests whose name contains WORD")
    args = parser.parse_args()

    from bench.fill import bench_source

    with bench_source(args.items, "/tmp/eingang-bench-steering", args.sqlite, args.sqlite_items):
        report(args.runs, args.only)


def report(runs: int, only: str | None = None) -> None:
    from sqlalchemy import func, select

    from bench.inbox import timed
    from services import steering
    from store.db import session_scope, statement_reads
    from store.models import SteeringDaily
    from store.settings import get_settings
    from store.users import create_user, get_user
    from tests.web import PASSWORD, client_for

    settings = get_settings()
    with session_scope(settings) as session:
        rows = session.scalar(select(func.count()).select_from(SteeringDaily))
        if get_user(session, "leitung") is None:  # a kept database (EINGANG_BENCH_DATABASE) has it
            create_user(session, "leitung", PASSWORD, ["leitung"], [], "Leitung")
    print(f"steering_daily: {rows:,} rows")

    def figures(unit: str, queues: frozenset[str] | None):  # type: ignore[no-untyped-def]
        def run() -> None:
            now = datetime.now(UTC)
            with statement_reads(settings) as session:  # as the route reads them (admin/routes/steering.py)
                period = steering.Period.parse(unit, None, None, steering.local_today(now))
                board = steering.dashboard(session, settings, period, queues, now)
            assert board.inflow_total and board.offices
        return run

    client = client_for("leitung")

    def http(path: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            assert client.get(path).status_code == 200
        return run

    def of_page(path: str):  # type: ignore[no-untyped-def]
        """The request with the mark of a page fetched at its first run (timed() warms with it)."""
        url: list[str] = []

        def run() -> None:
            if not url:
                page = client.get("/steuerung?einheit=monat").text
                query = re.search(r"einheit=monat&amp;von=[^\"]*?stand=[\w-]+", page)  # before this change: none
                url.append(f"{path}?{query.group(0).replace('&amp;', '&')}" if query else f"{path}?einheit=monat")
            assert client.get(url[0]).status_code == 200
        return run

    cases = [
        ("reference: GET /healthz (one SELECT 1, no login)", http("/healthz")),
        ("figures: 14 days by day, all offices", figures("tag", None)),
        ("figures: 12 weeks by week, all offices", figures("woche", None)),
        ("figures: 12 months by month, all offices", figures("monat", None)),
        ("figures: 3 years by year, all offices", figures("jahr", None)),
        ("figures: 12 months by month, Fachamt user (sozialamt)", figures("monat", frozenset({"sozialamt"}))),
        ("figures: 12 weeks, Fachamt user (jobcenter)", figures("woche", frozenset({"jobcenter"}))),
    ]
    for unit in ("tag", "monat", "jahr"):
        cases.append((f"GET /steuerung?einheit={unit} (page)", http(f"/steuerung?einheit={unit}")))
    for key in ("zufluss", "aemter", "erstbearbeitung", "personen", "termine"):
        cases.append((f"GET /steuerung/diagramm/{key}.svg (12 months)",
                      http(f"/steuerung/diagramm/{key}.svg?einheit=monat")))
    for key in ("zufluss", "kennzahlen", "aemter", "personen", "termine"):
        cases.append((f"GET /steuerung/{key}.csv (12 months)", http(f"/steuerung/{key}.csv?einheit=monat")))
    # As the browser asks for them: the chart images and downloads of a page carry its mark
    # (stand) and get the page's figures (admin.steering_kept). The page is fetched when the
    # case starts; its 30 runs take well under the 60 s the figures are kept.
    for key in ("zufluss", "aemter", "erstbearbeitung", "personen", "termine"):
        cases.append((f"GET …/diagramm/{key}.svg (the page's, 12 months)", of_page(f"/steuerung/diagramm/{key}.svg")))
    cases.append(("GET /steuerung/aemter.csv (the page's, 12 months)", of_page("/steuerung/aemter.csv")))
    print(f"{'request':<58}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>9}")
    for name, fn in cases:
        if only and only not in name and "reference" not in name:
            continue
        p50, p95, cpu = timed(fn, runs, cpu=True)
        print(f"{name:<58}{p50:>9.1f}{p95:>9.1f}{cpu:>9.1f}")


if __name__ == "__main__":
    main()
