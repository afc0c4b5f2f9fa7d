"""The bench database of bench/fill.py copied into embedded SQLite, to time the same inbox and
dashboard queries there (``bench/inbox.py --sqlite``).

The items are copied row by row through SQLAlchemy Core with SQLite's own triggers on (they set
``due_at``, the live counts and the daily inflow as in a running embedded installation); the
figures the triggers would have kept for later changes (routing, closing, first actions: the
items arrive in their final state) and the open items per person are then copied from the
PostgreSQL tables, summed into slot 0, which is all SQLite writes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, select, text

# Columns PostgreSQL computes itself (the search vector) or the triggers set.
SKIP = {"search", "due_at"}
BATCH = 5000


def copy(pg_url: str, data_dir: Path, limit: int | None = None) -> str:
    """A SQLite database under ``data_dir`` with the items and figures of ``pg_url`` (made once,
    reused while it has as many items); returns its URL with EINGANG_DATABASE_URL set to it.
    ``limit``: only the newest ``limit`` items (ids 1..limit in bench/fill.py); their counts are
    then the ones SQLite's triggers kept while they were copied, and the dashboard's history
    only their inflow (the other figures come from changes, and the items arrive changed), so
    ``--with-steering`` stops at the first office's view, which has nothing routed to show."""
    from store.db import upgrade_schema
    from store.models import Item
    from store.settings import get_settings

    pg = create_engine(pg_url)
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{(data_dir / 'eingang.db').resolve()}"
    os.environ["EINGANG_DATABASE_URL"] = url
    os.environ["EINGANG_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    upgrade_schema(get_settings())
    lite = create_engine(url)
    with pg.connect() as source, lite.connect() as target:
        want = source.scalar(text("SELECT count(*) FROM items"))
        want = min(want, limit) if limit else want
        if target.scalar(text("SELECT count(*) FROM items")) == want:
            print(f"reusing {want:,} items in {url}", flush=True)
            return url
    columns = [c for c in Item.__table__.columns if c.name not in SKIP]
    start = time.perf_counter()
    with pg.connect() as source, lite.begin() as target:
        target.exec_driver_sql("PRAGMA synchronous = OFF")  # a bench copy: made again if lost
        target.exec_driver_sql("PRAGMA cache_size = -400000")
        for table in ("items", "item_counts", "assigned_counts", "steering_daily"):
            target.execute(text(f"DELETE FROM {table}"))
        rows = source.execution_options(stream_results=True, yield_per=BATCH).execute(
            select(*columns).where(Item.id <= (limit or want)).order_by(Item.id))
        for batch in rows.partitions(BATCH):
            target.execute(insert(Item.__table__), [dict(r._mapping) for r in batch])
    if not limit:  # the figures of all items, summed over the slots into slot 0
        _copy_figures(pg, lite)
    with lite.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(f"copied {want:,} items into SQLite in {time.perf_counter() - start:.0f} s", flush=True)
    return url


def _copy_figures(pg, lite) -> None:  # type: ignore[no-untyped-def]
    with pg.connect() as source, lite.begin() as target:
        for table, keys in (("item_counts", "status, queue, urgent"), ("assigned_counts", "assigned_to, queue")):
            found = source.execute(text(f"SELECT {keys}, sum(n) FROM {table} GROUP BY {keys}")).all()
            names = keys.split(", ")
            target.execute(text(f"DELETE FROM {table}"))
            target.execute(text(f"INSERT INTO {table} ({keys}, slot, n) VALUES "
                                f"({', '.join(':' + k for k in names)}, 0, :n)"),
                           [{**dict(zip(names, r[:-1], strict=True)), "n": int(r[-1])} for r in found])
        daily = source.execute(text("SELECT day, metric, queue, channel, sum(n), sum(total) "
                                    "FROM steering_daily GROUP BY 1, 2, 3, 4")).all()
        target.execute(text("DELETE FROM steering_daily"))
        target.execute(text("INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total) "
                            "VALUES (:d, :m, :q, :c, 0, :n, :t)"),
                       [{"d": d.isoformat(), "m": m, "q": q, "c": c, "n": int(n), "t": float(t)}
                        for d, m, q, c, n, t in daily])
