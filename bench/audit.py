"""Audit trail figures: appends per second (one per transaction, as the web app writes them)
with 1 and 4 concurrent writers, and hash-chain verification speed, on SQLite and PostgreSQL.

    .venv/bin/python bench/audit.py [--entries 2000] [--skip-postgres]

Figures are noisy on a shared machine; run it a few times.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

# The repository root instead of bench/ (whose email.py would shadow the standard library).
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from sqlalchemy.orm import Session  # noqa: E402

from store import audit  # noqa: E402
from store.db import make_engine, upgrade_schema  # noqa: E402
from store.settings import Settings  # noqa: E402


def appends(engine, total: int, writers: int) -> float:  # type: ignore[no-untyped-def]
    per_writer = total // writers

    def work(n: int) -> None:
        for i in range(per_writer):
            with Session(engine) as session, session.begin():
                audit.append(session, "item.viewed", item=n * 1_000_000 + i, actor=f"web:u{n}",
                             target=f"document:{i}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per_writer * writers / (time.perf_counter() - start)


def run(name: str, settings: Settings, total: int) -> None:
    upgrade_schema(settings)
    engine = make_engine(settings.sqlalchemy_url)
    one = appends(engine, total, 1)
    four = appends(engine, total, 4)
    with Session(engine) as session:
        start = time.perf_counter()
        result = audit.verify(session)
        seconds = time.perf_counter() - start
    engine.dispose()
    assert result.ok, result.problems
    print(f"{name:<10} appends/s 1 writer {one:7.0f}   4 writers {four:7.0f}   "
          f"verify {result.count} entries in {seconds:.2f} s ({result.count / seconds:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", Settings(data_dir=Path(tmp)), args.entries)
    if not args.skip_postgres:
        from tests.services import postgres_database

        with postgres_database() as url, tempfile.TemporaryDirectory() as tmp:
            run("postgresql", Settings(data_dir=Path(tmp), database_url=url), args.entries)


if __name__ == "__main__":
    main()
