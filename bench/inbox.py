"""Inbox speed with 1,000,000 items on PostgreSQL: the first page, a filtered page, a deep page,
full-text searches, the live counts and a status change with its counter trigger, each run
repeatedly; prints p50/p95 in milliseconds.

Uses a database of its own (created and dropped). The items are generated in SQL
(generate_series) before the inbox indexes are built, like a database that grew over years:

    .venv/bin/python bench/inbox.py [--items 1000000] [--runs 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# bench/ itself off the path: its scripts (bench/email.py) would shadow the standard library.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

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


def _sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def fill(conn, n: int) -> None:  # type: ignore[no-untyped-def]
    """n items over two years: 5 % urgent, 35 % done, texts of 4–6 sentences; 50,000 senders
    (~20 items each), every third item with a Kundennummer (200,000 numbers)."""
    s, t, q = _sql_array(SUBJECTS), _sql_array(SENTENCES), _sql_array(QUEUES)
    pick = "({arr})[1 + floor(random() * array_length({arr}, 1))::int]"
    text = " || ' ' || ".join(pick.format(arr=t) for _ in range(5))
    sql = f"""
        INSERT INTO items (reference, channel, received_at, created_at, updated_at, status, problems,
            attempts, contact, subject, text, full_text, sender, sender_name, queue, intent, urgent,
            urgent_reasons, confidence, facts, classification, decision, legal_hold, case_ref)
        SELECT 'EIN-' || g, (ARRAY['email','email','letter','webform','phone'])[1 + g % 5],
            now() - (g * interval '63 seconds'), now(), now(),
            CASE WHEN g % 20 < 7 THEN 'done' WHEN g % 97 = 0 THEN 'needs_attention' ELSE 'routed' END,
            '[]', 0, '{{}}', {pick.format(arr=s)}, x.body, x.body, 'person' || (g % 50000) || '@example.org',
            'Person ' || (g % 50000), {pick.format(arr=q)},
            (ARRAY['antrag','weiterbewilligung','aenderung','unterlagen','widerspruch','auskunft'])[1 + g % 6],
            g % 20 = 13, '[]', 0.5 + (g % 50) / 100.0, '{{}}', '{{}}', '{{}}', false,
            CASE WHEN g % 3 = 0 THEN '123D' || lpad((g % 200000)::text, 6, '0') END
        FROM generate_series(1, {n}) AS g, LATERAL (SELECT {text} || ' ' || g AS body) AS x
    """
    conn.exec_driver_sql(sql.replace("%", "%%"))  # the driver's placeholders are %-style


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm the caches once, as a running system has them
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(round(0.95 * len(samples))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    from alembic import command
    from sqlalchemy import create_engine

    from store.db import alembic_config
    from store.settings import get_settings
    from tests.services import postgres_database

    with postgres_database() as url:
        os.environ["EINGANG_DATABASE_URL"] = url
        os.environ.setdefault("EINGANG_DATA_DIR", "/tmp/eingang-bench-inbox")
        get_settings.cache_clear()
        settings = get_settings()
        cfg = alembic_config(settings)
        command.upgrade(cfg, "0004_audit_retention")  # the tables, not yet the inbox indexes
        engine = create_engine(url)
        start = time.perf_counter()
        with engine.begin() as conn:
            fill(conn, args.items)
        print(f"filled {args.items:,} items in {time.perf_counter() - start:.0f} s")
        start = time.perf_counter()
        command.upgrade(cfg, "head")  # builds the inbox and full-text indexes
        # A running system has vacuumed: the migrations' backfills (e.g. activity_at, 0013)
        # leave a dead copy of every row that autovacuum would otherwise clean up mid-run.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE items")
        print(f"indexes built in {time.perf_counter() - start:.0f} s")
        engine.dispose()
        report(args.runs)


def report(runs: int) -> None:
    from sqlalchemy import text

    from admin.inbox import InboxFilter, counts, inbox_page
    from store.db import session_scope
    from store.models import User

    staff = User(username="bench", display_name="Bench", roles=["eingangsservice"], queues=["*"])
    fachamt = User(username="sozial", display_name="Sozial", roles=["fachamt"], queues=["sozialamt"])

    def page(user: User, f: InboxFilter, skip: int = 0):  # type: ignore[no-untyped-def]
        cursor = None
        with session_scope() as session:  # the cursor a user reaches after ``skip`` pages
            for _ in range(skip):
                cursor = inbox_page(session, user, f, cursor)[1]

        def run() -> None:
            with session_scope() as session:
                rows, _ = inbox_page(session, user, f, cursor)
            assert rows
        return run

    def live_counts(user: User):  # type: ignore[no-untyped-def]
        def run() -> None:
            with session_scope() as session:
                assert counts(session, user)["open"]
        return run

    def update(sql: str):  # type: ignore[no-untyped-def]
        # A pipeline step's compare-and-set, committed as the steps commit (redoable: no WAL
        # flush wait). A status change fires the counter trigger (+1/-1 on item_counts).
        def run() -> None:
            with session_scope(redoable=True) as session:
                assert session.execute(text(sql + ", updated_at = now() WHERE id = 1010")).rowcount == 1
        return run

    def known(sender: str, kundennummer: str):  # type: ignore[no-untyped-def]
        # The route step's Bestandskunden lookup (worker.known_case) for a new item.
        from store.models import Item
        from worker import known_case

        def run() -> None:
            item = Item(id=10**9, sender=sender, facts={"kundennummer": [kundennummer]} if kundennummer else {})
            with session_scope() as session:
                assert known_case.lookup(session, item) is not None
        return run

    flip = "UPDATE items SET status = CASE status WHEN 'routed' THEN 'classified' ELSE 'routed' END"

    cases = [
        ("first inbox page (open, urgent first)", page(staff, InboxFilter())),
        ("filtered page: queue jobcenter, open", page(staff, InboxFilter(queue="jobcenter"))),
        ("filtered page: Fachamt user (own queue), email, open", page(fachamt, InboxFilter(channel="email"))),
        ("filtered page: urgent, last 30 days", page(staff, InboxFilter(urgent="1", date_from=_days_ago(30)))),
        ("page 200 by keyset cursor", page(staff, InboxFilter(), skip=199)),
        ("full-text search: Stromsperre", page(staff, InboxFilter(q="Stromsperre"))),
        ("full-text search: Wohngeld Miete", page(staff, InboxFilter(q="Wohngeld Miete"))),
        ("full-text search: 26102BG0041877 jobcenter", page(staff, InboxFilter(q="26102BG0041877", queue="jobcenter"))),
        ("live counts per queue and status (Eingangsservice)", live_counts(staff)),
        ("Bestandskunde: earlier items of one sender", known("person4711@example.org", "")),
        ("Bestandskunde: earlier items of one Kundennummer", known("neu@example.org", "123D004711")),
        ("live counts per queue and status (Fachamt user)", live_counts(fachamt)),
        ("update of one item, status unchanged (baseline)", update("UPDATE items SET attempts = 0")),
        ("status change of one item incl. counter trigger", update(flip)),
    ]
    print(f"{'query':<56}{'p50 ms':>9}{'p95 ms':>9}")
    for name, fn in cases:
        p50, p95 = timed(fn, runs)
        print(f"{name:<56}{p50:>9.1f}{p95:>9.1f}")

    from store import counts as item_counts

    start = time.perf_counter()
    with session_scope() as session:
        wrong = item_counts.repair(session)  # also proves the migration's backfill exact
    print(f"eingang counts repair (GROUP BY over all items): {(time.perf_counter() - start) * 1000:.0f} ms, "
          f"{len(wrong)} counts were wrong")


def _days_ago(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() - timedelta(days=days)).isoformat()


if __name__ == "__main__":
    main()
