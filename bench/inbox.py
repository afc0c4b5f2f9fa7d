"""Inbox speed with 1,000,000 items on PostgreSQL: the first page, a filtered page, a deep page,
full-text searches, the live counts and a status change with its counter trigger, each run
repeatedly; prints p50/p95 in milliseconds.

Uses a database of its own (created and dropped), filled by bench/fill.py (generate_series,
indexes built afterwards, the counters computed from the items, as a database that grew over
years has them). ``--with-steering`` also times the Steuerung dashboard's requests on the same
database (bench/steering.py), then the inbox again: the dashboard's queries must not slow it.
``--sqlite DIR`` times the same on embedded SQLite: the items bulk-loaded into DIR by
bench/sqlite_copy.py (kept and reused); a database named by ``EINGANG_BENCH_DATABASE`` is then
only read, never filled or migrated (another run may be timing it).

    [EINGANG_BENCH_DATABASE=eingang_bench1m] .venv/bin/python bench/inbox.py [--items 1000000] [--runs 40] [--with-steering]
        [--sqlite DIR [--sqlite-items N]]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

# bench/ itself off the path: its scripts (bench/email.py) would shadow the standard library.
HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path.insert(0, str(HERE.parent))

def timed(fn, runs: int, cpu: bool = False):  # type: ignore[no-untyped-def]
    """p50 and p95 of the wall time in ms; with ``cpu`` also the median CPU time this process
    spent per run (all its threads: the test client's and the app's; not the database's), which
    the other work on a shared machine does not inflate as it does the wall time."""
    fn()  # warm the caches once, as a running system has them
    samples, cpu_samples = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
        cpu_samples.append((time.process_time() - start_cpu) * 1000)
    samples.sort()
    p50, p95 = statistics.median(samples), samples[max(0, int(round(0.95 * len(samples))) - 1)]
    return (p50, p95, statistics.median(cpu_samples)) if cpu else (p50, p95)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--with-steering", action="store_true")
    parser.add_argument("--sqlite", metavar="DIR", help="copy the filled database into embedded SQLite "
                        "under DIR (kept and reused) and time the queries there")
    parser.add_argument("--sqlite-items", type=int, help="only the newest N items into SQLite")
    args = parser.parse_args()

    from bench.fill import bench_source

    with bench_source(args.items, "/tmp/eingang-bench-inbox", args.sqlite, args.sqlite_items):
        report(args.runs)
        if args.with_steering:
            from bench.steering import report as steering_report

            steering_report(args.runs)
            print("inbox again, after the dashboard's requests:")
            report(args.runs)


def report(runs: int) -> None:
    from sqlalchemy import text

    from admin.inbox import InboxFilter, clock_for, counts, inbox_page
    from store.db import session_scope
    from store.models import User
    from store.settings import get_settings

    staff = User(username="bench", display_name="Bench", roles=["eingangsservice"], queues=["*"])
    fachamt = User(username="sozial", display_name="Sozial", roles=["fachamt"], queues=["sozialamt"])

    def assignee(name: str) -> User:  # bench/fill.py assigns open items to person0, person3, …
        return User(username=name, display_name=name, roles=["eingangsservice"], queues=["*"])

    def page(user: User, f: InboxFilter, skip: int = 0, rows_expected: bool = True):  # type: ignore[no-untyped-def]
        cursor = None
        with session_scope(get_settings()) as session:  # the cursor a user reaches after ``skip`` pages
            clock = clock_for(session, get_settings())
            for _ in range(skip):
                cursor = inbox_page(session, user, f, cursor, clock=clock)[1]

        def run() -> None:
            with session_scope(get_settings()) as session:
                rows, _ = inbox_page(session, user, f, cursor, clock=clock_for(session, get_settings()))
            assert rows or not rows_expected
        return run

    def live_counts(user: User):  # type: ignore[no-untyped-def]
        def run() -> None:
            with session_scope(get_settings()) as session:
                assert counts(session, user)["open"]
        return run

    def update(sql: str):  # type: ignore[no-untyped-def]
        # A pipeline step's compare-and-set, committed as the steps commit (redoable: no WAL
        # flush wait). A status change fires the counter trigger (+1/-1 on item_counts).
        def run() -> None:
            with session_scope(get_settings(), redoable=True) as session:
                assert session.execute(text(sql + ", updated_at = CURRENT_TIMESTAMP WHERE id = 1010")).rowcount == 1
        return run

    def known(sender: str, kundennummer: str):  # type: ignore[no-untyped-def]
        # The route step's Bestandskunden lookup (worker.known_case) for a new item.
        from classifier.facts import default_config
        from domain import default_catalogue
        from store.models import Item
        from worker import known_case

        def run() -> None:
            item = Item(id=10**9, sender=sender, facts={"kundennummer": [kundennummer]} if kundennummer else {})
            with session_scope(get_settings()) as session:
                assert known_case.lookup(session, item, (), default_config(), default_catalogue()) is not None
        return run

    flip = "UPDATE items SET status = CASE status WHEN 'routed' THEN 'classified' ELSE 'routed' END"

    cases = [
        ("first inbox page (open, urgent first)", page(staff, InboxFilter())),
        ("filtered page: queue jobcenter, open", page(staff, InboxFilter(queue="jobcenter"))),
        ("filtered page: Fachamt user (own queue), email, open", page(fachamt, InboxFilter(channel="email"))),
        ("filtered page: urgent, last 30 days", page(staff, InboxFilter(urgent="1", date_from=_days_ago(30)))),
        ("page 200 by keyset cursor", page(staff, InboxFilter(), skip=199)),
        ("sorted by time left (knappste Zielzeit zuerst)", page(staff, InboxFilter(sort="zielzeit"))),
        ("sorted by time left, page 20", page(staff, InboxFilter(sort="zielzeit"), skip=19)),
        ("filter: response target exceeded", page(staff, InboxFilter(zielzeit="ueberschritten"))),
        ("filter: due within 24 hours", page(staff, InboxFilter(zielzeit="24"))),
        ("filter: Wiedervorlage due", page(staff, InboxFilter(wv="faellig"), rows_expected=False)),
        ("filter: assigned to me (person9, ~3,600 open)", page(assignee("person9"), InboxFilter(mine="1"))),
        ("filter: assigned to me (person7, none)", page(assignee("person7"), InboxFilter(mine="1"), rows_expected=False)),
        ("full-text search: Stromsperre", page(staff, InboxFilter(q="Stromsperre"))),
        ("full-text search: Wohngeld Miete", page(staff, InboxFilter(q="Wohngeld Miete"))),
        ("full-text search: 26102BG0041877 jobcenter", page(staff, InboxFilter(q="26102BG0041877", queue="jobcenter"))),
        # Words of middling density (the fill's sentences are common, their combinations not):
        # 2.5 and 1.2 matches per 1,000 open items, where reading in order and the word index
        # are both slow (README, "the word index in two parts").
        ("full-text search: Grundsicherung Vermieter Rente", page(staff, InboxFilter(q="Grundsicherung Vermieter Rente"))),
        ("full-text search: Heimkosten Vermieter Minijob Oldenburg",
         page(staff, InboxFilter(q="Heimkosten Vermieter Minijob Oldenburg"))),
        # Past the urgent items the matches come from the other open items' word index, month
        # by month (admin.inbox.RECENT_MONTHS): „nicht dringend“, and page 2 of the same words.
        ("  … the same, nicht dringend", page(staff, InboxFilter(q="Heimkosten Vermieter Minijob Oldenburg", urgent="0"))),
        ("  … the same, page 2", page(staff, InboxFilter(q="Heimkosten Vermieter Minijob Oldenburg"), skip=1)),
        ("full-text search: Bankverbindung Kontoauszüge Vermieter Schulden, nicht dringend",
         page(staff, InboxFilter(q="Bankverbindung Kontoauszüge Vermieter Schulden", urgent="0"))),
        ("full-text search: Beschwerde Minijob Schulden, nicht dringend",
         page(staff, InboxFilter(q="Beschwerde Minijob Schulden", urgent="0"))),
        # Rare words: a sender's name (20 items), a reference (1 item, any status).
        ("full-text search: a name (Person 4711)", page(staff, InboxFilter(q="Person 4711"))),
        ("full-text search: a reference (EIN-77777)", page(staff, InboxFilter(q="EIN-77777", status=""))),
        ("live counts per queue and status (Eingangsservice)", live_counts(staff)),
        ("Bestandskunde: earlier items of one sender", known("person4711@example.org", "")),
        ("Bestandskunde: earlier items of one Kundennummer", known("neu@example.org", "123D004711")),
        ("live counts per queue and status (Fachamt user)", live_counts(fachamt)),
        ("update of one item, status unchanged (baseline)", update("UPDATE items SET attempts = 0")),
        ("status change of one item incl. counter trigger", update(flip)),
    ]
    print(f"{'query':<56}{'p50 ms':>9}{'p95 ms':>9}{'CPU ms':>9}")
    for name, fn in cases:
        p50, p95, cpu = timed(fn, runs, cpu=True)
        print(f"{name:<56}{p50:>9.1f}{p95:>9.1f}{cpu:>9.1f}")

    from store import counts as item_counts

    start = time.perf_counter()
    with session_scope(get_settings()) as session:
        wrong = item_counts.repair(session)  # also proves the migration's backfill exact
    print(f"eingang counts repair (GROUP BY over all items): {(time.perf_counter() - start) * 1000:.0f} ms, "
          f"{len(wrong)} counts were wrong")


def _days_ago(days: int) -> str:
    from datetime import date, timedelta

    return (date.today() - timedelta(days=days)).isoformat()


if __name__ == "__main__":
    main()
