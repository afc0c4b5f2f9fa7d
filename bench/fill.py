"""One PostgreSQL database with n items for the bench scripts (bench/inbox.py, bench/steering.py).

The schema is migrated first (empty: seconds), then the items are loaded in one INSERT … SELECT
over generate_series with the items' own triggers off and their secondary indexes dropped,
and the indexes rebuilt afterwards, as a bulk load is done. The figures the triggers would have
kept are then computed from the very same items in SQL (``item_counts``, ``assigned_counts``,
``steering_daily``), so counts and dashboard agree with the items exactly (``eingang counts
check`` finds nothing wrong). Loading 1,000,000 items this way takes a few minutes instead of
the half hour the migrations' backfills took over a filled table. ``EINGANG_BENCH_DATABASE=name``
keeps the database under that name: filled the first time, reused (migrated to head) by later runs.

The items: two years (one every 63 seconds), 5 % urgent, 35 % done, texts of 4–6 sentences;
50,000 senders (~20 items each), every third item with a Kundennummer (200,000 numbers); a
person acted on two thirds of the closed items and on every fourth open one (first action a few
hours after receipt); every third open item is assigned to one of 60 people, every fiftieth
open item has a deadline within ten days either side of now; one routed item in 40 was re-routed.
Channels (40 % e-mail, 20 % each letter, web form, phone) do not follow urgency: in the former
fill every urgent item was a web form (g % 20 = 13 implies g % 5 = 3), so a filter on e-mail
had to step over every urgent item of the office first, which no real inbox looks like.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from store.localdays import pg_local_date

SUBJECTS = [
    "Antrag auf Wohngeld", "Weiterbewilligungsantrag", "Widerspruch gegen den Bescheid",
    "Änderungsmitteilung Umzug", "Unterlagen zum Antrag", "Frage zum Sachstand",
    "Stromsperre angekündigt", "Terminwunsch Schuldnerberatung", "Grundsicherung im Alter",
    "Schulbegleitung für unseren Sohn", "Neue Bankverbindung", "Nebenkostenabrechnung",
    "Kontopfändung – kein Geld für Lebensmittel", "Heimkosten meiner Mutter", "Beschwerde",
]
SENTENCES = [
    "Sehr geehrte Damen und Herren,", "ich beziehe Bürgergeld und bin umgezogen.",
    "anbei sende ich die Kontoauszüge der letzten drei Monate.",
    "Mein Vermieter hat die Miete zum nächsten Monat erhöht.",
    "Ich möchte Widerspruch gegen den Bescheid vom 3. November einlegen.",
    "Die Stadtwerke haben eine Stromsperre für Freitag angekündigt.",
    "Wir brauchen Unterstützung für die Schulbegleitung unseres Sohnes.",
    "Meine Rente reicht nicht für die Heimkosten.", "Ich habe eine neue Arbeit als Minijob gefunden.",
    "Bitte teilen Sie mir den Stand meines Antrags mit.", "Ich habe Schulden und brauche Beratung.",
    "Die Nebenkostenabrechnung liegt bei.", "Mit freundlichen Grüßen", "Erika Mustermann, 26123 Oldenburg",
    "Kundennummer 123D456789", "BG-Nummer 26102BG0041877", "Wohngeldnummer 62-WG-114523",
]
QUEUES = ["jobcenter"] * 40 + ["sozialamt"] * 15 + ["wohngeld"] * 15 + ["eingliederungshilfe"] * 8 + \
    ["schuldnerberatung"] * 6 + ["suchtberatung"] * 3 + ["extern"] * 5 + ["clearing"] * 8
SLOTS = 8  # the triggers' slots (migrations 0008, 0018; steering_daily 1–8 since 0029): figures spread over all of them


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _items_sql(n: int) -> str:
    s, t, q = _sql_array(SUBJECTS), _sql_array(SENTENCES), _sql_array(QUEUES)
    pick = "({arr})[1 + floor(random() * array_length({arr}, 1))::int]"
    text = " || ' ' || ".join(pick.format(arr=t) for _ in range(5))
    return f"""
        INSERT INTO items (id, reference, channel, received_at, activity_at, created_at, updated_at, status,
            problems, attempts, contact, subject, text, full_text, sender, sender_name, queue, intent, urgent,
            urgent_reasons, confidence, facts, classification, decision, legal_hold, case_ref,
            assigned_to, deadline, closed_at, first_action_at, due_at)
        SELECT g, 'EIN-' || g, (ARRAY['email','email','letter','webform','phone'])[1 + (g / 3) % 5],
            x.received_at, x.received_at, x.received_at, now(), x.status,
            '[]', 0, '{{}}', {pick.format(arr=s)}, x.body, x.body, 'person' || (g % 50000) || '@example.org',
            'Person ' || (g % 50000), x.queue,
            (ARRAY['antrag','weiterbewilligung','aenderung','unterlagen','widerspruch','auskunft'])[1 + g % 6],
            g % 20 = 13, '[]', 0.5 + (g % 50) / 100.0, '{{}}', '{{}}', '{{}}', false,
            CASE WHEN g % 3 = 0 THEN '123D' || lpad((g % 200000)::text, 6, '0') END,
            CASE WHEN x.status <> 'done' AND g % 3 = 0 THEN 'person' || (g % 60) END,
            CASE WHEN x.status <> 'done' AND g % 50 = 0 THEN now() + ((g % 21) - 10) * interval '1 day' END,
            CASE WHEN x.status = 'done' THEN least(now(), x.received_at + (g % 240) * interval '1 hour') END,
            CASE WHEN (x.status = 'done' AND g % 3 <> 0) OR (x.status <> 'done' AND g % 4 = 0)
                 THEN least(now(), x.received_at + (g % 72) * interval '1 hour' + interval '5 minutes') END,
            -- what the trigger of migration 0027 sets: receipt + target while nobody acted
            CASE WHEN x.status <> 'done' AND g % 4 <> 0 THEN x.received_at + make_interval(secs => coalesce(
                (SELECT seconds FROM response_targets WHERE queue = x.queue),
                (SELECT seconds FROM response_targets WHERE queue = ''))) END
        FROM generate_series(1, {n}) AS g,
        LATERAL (SELECT now() - (g * interval '63 seconds') AS received_at,
                        CASE WHEN g % 20 < 7 THEN 'done' WHEN g % 97 = 0 THEN 'needs_attention'
                             ELSE 'routed' END AS status,
                        {pick.format(arr=q)} AS queue,
                        {text} || ' ' || g AS body) AS x
    """


def steering_rows_sql() -> str:
    """(day, metric, queue, channel, total, id): one row per figure an item gave the dashboard
    (``steering_daily``); the slot follows the item id."""
    day = pg_local_date
    routed = "status IN ('routed', 'done') AND queue IS NOT NULL"
    routed_at = day("received_at + interval '2 minutes'")
    rerouted_at = day("coalesce(first_action_at, received_at) + interval '1 hour'")
    return " UNION ALL ".join([
        f"SELECT {day('received_at')}, 'inflow', '', channel, 0::float8, id FROM items",
        f"SELECT {routed_at}, 'routed', queue, channel, 0, id FROM items "
        f"WHERE {routed}",
        f"SELECT {rerouted_at}, 'reroute', queue, '', 0, id "
        f"FROM items WHERE {routed} AND id % 40 = 0",
        f"SELECT {day('closed_at')}, CASE WHEN first_action_at IS NULL THEN 'done_auto' ELSE 'done_person' END, "
        f"queue, '', 0, id FROM items WHERE status = 'done'",
        f"SELECT {day('first_action_at')}, 'first_action', coalesce(queue, ''), '', "
        f"extract(epoch FROM first_action_at - received_at), id FROM items WHERE first_action_at IS NOT NULL",
    ])


def _figures_sql() -> list[str]:
    """The triggers' tables from the items, as the triggers would have filled them."""
    return [
        "DELETE FROM item_counts", "DELETE FROM assigned_counts", "DELETE FROM steering_daily",
        "DELETE FROM steering_monthly",
        f"INSERT INTO item_counts (status, queue, urgent, slot, n) "
        f"SELECT status, coalesce(queue, ''), urgent, (id % {SLOTS})::smallint, count(*) FROM items "
        f"GROUP BY 1, 2, 3, 4",
        f"INSERT INTO assigned_counts (assigned_to, queue, slot, n) "
        f"SELECT assigned_to, coalesce(queue, ''), (id % {SLOTS})::smallint, count(*) FROM items "
        f"WHERE status <> 'done' AND assigned_to IS NOT NULL GROUP BY 1, 2, 3",
        f"INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total) "
        f"SELECT d, m, q, ch, (1 + id % {SLOTS})::smallint, count(*), sum(total) "
        f"FROM ({steering_rows_sql()}) AS r (d, m, q, ch, total, id) GROUP BY d, m, q, ch, 5",
    ]


def load(conn, n: int) -> None:  # type: ignore[no-untyped-def]
    """n items into a migrated, empty database, with the trigger-kept figures to match."""
    conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
    indexes = conn.exec_driver_sql(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = 'items' AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint WHERE conrelid = 'items'::regclass)").all()
    for name, _ in indexes:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    conn.exec_driver_sql("ALTER TABLE items DISABLE TRIGGER USER")
    conn.exec_driver_sql(_items_sql(n).replace("%", "%%"))  # the driver's placeholders are %-style
    conn.exec_driver_sql("ALTER TABLE items ENABLE TRIGGER USER")
    conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('items', 'id'), {n})")
    for _, definition in indexes:
        conn.exec_driver_sql(definition)
    for statement in _figures_sql():
        conn.exec_driver_sql(statement.replace("%", "%%"))


KEEP = "EINGANG_BENCH_DATABASE"  # a database name: filled once, kept and reused by later runs


def kept() -> str | None:
    """The URL of the database ``EINGANG_BENCH_DATABASE`` names if it exists and its fill has
    committed (the fill is one transaction), else None."""
    import psycopg

    from tests.services import PG_ADMIN

    name = os.environ[KEEP]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            return None
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(url) as conn:
        if not conn.execute("SELECT to_regclass('items') IS NOT NULL AND EXISTS (SELECT 1 FROM items)").fetchone()[0]:
            return None
    return url.replace("postgresql:", "postgresql+psycopg:", 1)


@contextmanager
def database(n: int, data_dir: str) -> Iterator[str]:
    """A private PostgreSQL database with ``n`` items, migrated to head, vacuumed; yields its
    URL with EINGANG_DATABASE_URL set to it. Dropped afterwards, unless ``EINGANG_BENCH_DATABASE``
    names it: then it is filled the first time, kept, and later runs only migrate it to head
    (a fill of 1,000,000 items takes minutes; a new migration then runs over the filled table,
    as it would in a deployment)."""
    name = os.environ.get(KEEP)
    if not name:
        from tests.services import postgres_database

        with postgres_database() as url:
            yield from _filled(url, n, data_dir, fill=True)
        return
    import psycopg

    from tests.services import PG_ADMIN

    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    yield from _filled(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", n, data_dir, fill=None)


@contextmanager
def bench_source(n: int, data_dir: str, sqlite_dir: str | None = None,
                 sqlite_items: int | None = None) -> Iterator[str]:
    """The database a bench times: PostgreSQL with ``n`` items (:func:`database`) or, with
    ``sqlite_dir``, its items bulk-copied into embedded SQLite there (bench/sqlite_copy.py).
    With ``EINGANG_BENCH_DATABASE`` a SQLite run only reads the kept PostgreSQL database,
    never fills or migrates it (another run may be timing it). Yields the PostgreSQL URL."""
    import sys
    from contextlib import nullcontext
    from pathlib import Path

    if sqlite_dir and os.environ.get(KEEP):
        if not (filled := kept()):
            sys.exit(f"{os.environ[KEEP]} is not filled (yet): fill it first without --sqlite")
        sources = nullcontext(filled)
    else:
        sources = database(n, data_dir)
    with sources as url:
        if sqlite_dir:
            from bench.sqlite_copy import copy

            copy(url, Path(sqlite_dir), sqlite_items)
        yield url


def _filled(url: str, n: int, data_dir: str, fill: bool | None) -> Iterator[str]:
    """``fill=None``: fill only if the items table is empty (the load is one transaction, so an
    interrupted fill leaves none)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    from store.db import upgrade_schema
    from store.localdays import local_date
    from store.settings import get_settings
    from store.steering_fold import fold

    os.environ["EINGANG_DATABASE_URL"] = url
    os.environ.setdefault("EINGANG_DATA_DIR", data_dir)
    get_settings.cache_clear()
    # As a deployment starts: migrations, the catalogue seeded from the profile, the response
    # targets the items are timed by in step with it (a kept database: re-timed if they moved).
    upgrade_schema(get_settings())
    engine = create_engine(url)
    with engine.connect() as conn:
        have = conn.scalar(text("SELECT count(*) FROM items"))
    if fill is None:
        fill = not have
    if not fill:
        print(f"reusing {have:,} items in {url.rsplit('/', 1)[1]}", flush=True)
        engine.dispose()
        yield url
        return
    start = time.perf_counter()
    with engine.begin() as conn:
        load(conn, n)
    with Session(engine) as session, session.begin():
        # A running system's sweeper has folded the slots of past days (hourly).
        folded = fold(session, local_date(datetime.now(UTC)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")  # a running system has vacuumed
    print(f"filled {n:,} items (with indexes and figures) in {time.perf_counter() - start:.0f} s; "
          f"{folded:,} rows of past days' figures folded", flush=True)
    engine.dispose()
    yield url
