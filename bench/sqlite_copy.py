"""The bench database of bench/fill.py copied into embedded SQLite, to time the same inbox and
dashboard queries there (``bench/inbox.py --sqlite``).

A bulk load, as bench/fill.py does it on PostgreSQL: the schema is migrated (empty), the
triggers and secondary indexes of ``items`` are dropped, the rows are streamed from PostgreSQL
already in SQLite's storage form (SQLAlchemy's text timestamps, 0/1, JSON text) and inserted
with the sqlite3 module in one transaction, then indexes and triggers are created again, the
full-text index is filled in one statement (as migration 0033's backfill) and the figures the
triggers would have kept are computed from the same items (the live counts and open items per
person in SQLite, the dashboard's daily figures in PostgreSQL with bench/fill.py's own SQL).
The former copy went row by row through SQLAlchemy with every trigger firing and did not
finish 1,000,000 items in the time.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from sqlalchemy import JSON, Boolean, create_engine, text

BATCH = 10_000


def copy(pg_url: str, data_dir: Path, limit: int | None = None) -> str:
    """A SQLite database under ``data_dir`` with the items and figures of ``pg_url`` (made once,
    reused while it has as many items); returns its URL with EINGANG_DATABASE_URL set to it.
    ``limit``: only the newest ``limit`` items (ids 1..limit in bench/fill.py), with their
    figures."""
    from store.db import upgrade_schema
    from store.settings import get_settings

    pg = create_engine(pg_url, connect_args={"options": "-c default_transaction_read_only=on"})  # only read
    data_dir.mkdir(parents=True, exist_ok=True)
    path = (data_dir / "eingang.db").resolve()
    url = f"sqlite:///{path}"
    os.environ["EINGANG_DATABASE_URL"] = url
    os.environ["EINGANG_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    upgrade_schema(get_settings())
    with pg.connect() as source:
        want = source.scalar(text("SELECT count(*) FROM items WHERE id <= :n"), {"n": limit or 2**62})
    lite = sqlite3.connect(path, isolation_level=None)
    try:
        if lite.execute("SELECT count(*) FROM items").fetchone()[0] == want:
            print(f"reusing {want:,} items in {url}", flush=True)
            return url
        _load(pg, lite, limit or 2**62)
    finally:
        lite.close()
        pg.dispose()
    return url


def _load(pg, lite: sqlite3.Connection, last_id: int) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    from store import sqlite_search

    lite.execute("PRAGMA synchronous = OFF")  # a bench copy: made again if lost
    lite.execute("PRAGMA cache_size = -400000")
    schema = lite.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'items' "
                          "AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()
    lite.execute("BEGIN")
    for kind, name, _ in schema:
        lite.execute(f"DROP {kind.upper()} {name}")
    for table in ("items", "item_counts", "assigned_counts", "steering_daily"):
        lite.execute(f"DELETE FROM {table}")
    lite.execute(sqlite_search.fill_sql()[0])  # the full-text index emptied as well

    start = time.perf_counter()
    names, select_sql = _source_select()
    insert_sql = f"INSERT INTO items ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    copied = 0
    dsn = pg.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, options="-c default_transaction_read_only=on") as conn, \
            conn.cursor(name="items_copy") as rows:
        rows.itersize = BATCH
        rows.execute(select_sql, (last_id,))
        while batch := rows.fetchmany(BATCH):
            lite.executemany(insert_sql, batch)
            copied += len(batch)
    lite.execute("COMMIT")
    step = _report(f"{copied:,} items copied", start)

    lite.execute("BEGIN")
    for kind, _, sql in schema:
        if kind == "index":
            lite.execute(sql)
    step = _report("indexes of items built", step)
    for statement in sqlite_search.fill_sql()[1:]:
        lite.execute(statement)
    step = _report("full-text index filled", step)
    for kind, _, sql in schema:
        if kind == "trigger":
            lite.execute(sql)
    _figures(pg, lite, last_id)
    lite.execute("COMMIT")
    step = _report("figures computed", step)
    lite.execute("ANALYZE")
    _report("ANALYZE", step)
    _report(f"copied {copied:,} items into SQLite", start)


def _source_select() -> tuple[list[str], str]:
    """The items' columns and a PostgreSQL SELECT giving each as SQLite stores it."""
    from store.models import Item, UTCDateTime

    names, exprs = [], []
    for column in Item.__table__.columns:
        if column.name == "search":
            continue
        name = f'"{column.name}"'
        if isinstance(column.type, UTCDateTime):  # SQLAlchemy's SQLite form, in UTC
            expr = f"to_char({name} AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')"
        elif isinstance(column.type, Boolean):
            expr = f"{name}::int"
        elif isinstance(column.type, JSON):
            expr = f"{name}::text"
        else:
            expr = name
        names.append(name)
        exprs.append(expr)
    return names, f"SELECT {', '.join(exprs)} FROM items WHERE id <= %s ORDER BY id"


def _figures(pg, lite: sqlite3.Connection, last_id: int) -> None:  # type: ignore[no-untyped-def]
    """The trigger-kept tables as the triggers would have filled them (SQLite: slot 0); the
    monthly rows follow the daily rows by their own triggers (store.sqlite_steering)."""
    from bench.fill import steering_rows_sql

    lite.execute("INSERT INTO item_counts (status, queue, urgent, slot, n) "
                 "SELECT status, coalesce(queue, ''), urgent, 0, count(*) FROM items GROUP BY 1, 2, 3")
    lite.execute("INSERT INTO assigned_counts (assigned_to, queue, slot, n) "
                 "SELECT assigned_to, coalesce(queue, ''), 0, count(*) FROM items "
                 "WHERE status <> 'done' AND assigned_to IS NOT NULL GROUP BY 1, 2")
    with pg.connect() as source:
        daily = source.execute(text(
            f"SELECT d, m, q, ch, count(*), sum(total) FROM ({steering_rows_sql()}) AS r (d, m, q, ch, total, id) "
            "WHERE id <= :last GROUP BY 1, 2, 3, 4"), {"last": last_id}).all()
    lite.executemany("INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total) "
                     "VALUES (?, ?, ?, ?, 0, ?, ?)",
                     [(d.isoformat(), m, q, ch, n, float(total)) for d, m, q, ch, n, total in daily])


def _report(what: str, since: float) -> float:
    now = time.perf_counter()
    print(f"  {what}: {now - since:.0f} s", flush=True)
    return now
