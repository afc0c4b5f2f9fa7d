"""PostgreSQL keeps the words of items in three partial indexes: urgent open items, the other
open ones (migration 0037; with the month of their last activity since 0038) and closed ones
(0034): every search the inbox makes (open items, closed ones, one status, every status,
urgent only, sorted by time left) can be answered from them, never by reading every item; and the closed items are listed from their own inbox order,
not by stepping over the open urgent ones first (0037)."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime

import pytest


def _plan(session, stmt, **values) -> str:  # type: ignore[no-untyped-def]
    from sqlalchemy.dialects import postgresql

    sql = str(stmt.params(**values).compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    # Reading every item is what a search must never need: forbidden, the planner shows it if
    # it has no other way.
    session.connection().exec_driver_sql("SET LOCAL enable_seqscan = off")
    return "\n".join(row[0] for row in session.connection().exec_driver_sql("EXPLAIN " + sql.replace("%", "%%")))


OPEN_PARTS = {"ix_items_search_urgent", "ix_items_search_not_urgent_months"}
WORD_INDEXES = (*OPEN_PARTS, "ix_items_search_done")


@pytest.mark.postgres
@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)
@pytest.mark.parametrize(("status", "urgent", "indexes"), [
    ("offen", "", OPEN_PARTS), ("routed", "", OPEN_PARTS), ("offen", "1", {"ix_items_search_urgent"}),
    ("offen", "0", {"ix_items_search_not_urgent_months"}),
    ("done", "", {"ix_items_search_done"}), ("", "", {*OPEN_PARTS, "ix_items_search_done"})])
def test_every_search_reads_the_word_index_of_its_statuses(store_backend, status, urgent, indexes) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from admin import inbox
    from admin.inbox import LIST_COLUMNS, InboxFilter, apply_filter
    from admin.response_clock import Clock
    from bench.fill import _items_sql
    from store.db import get_engine, session_scope
    from store.models import User

    user = User(username="es", roles=["eingangsservice"], queues=["*"])
    f = InboxFilter(q="Person 2711", status=status, urgent=urgent)
    searched = inbox._search_statement(tuple((x.name, getattr(f, x.name)) for x in fields(f) if x.name != "q"),
                                       (user.username, tuple(user.roles), tuple(user.queues)), False, 50, inbox.SEARCH_WINDOW, 3,
                                       inbox._urgencies(f, None))
    by_due = apply_filter(select(*LIST_COLUMNS), InboxFilter(q="2711", status=status, urgent=urgent, sort="zielzeit"),
                          user, "postgresql", Clock({}, 48.0, datetime.now(UTC)))
    # Given items enough for the planner to prefer an index to reading them all (bench/fill.py's
    # items: 35 % closed), and a word only a few of them have,
    with session_scope(store_backend) as session:
        session.connection().exec_driver_sql(_items_sql(3000).replace("%", "%%"))
    # (vacuumed as a running system is: the new words leave the indexes' pending lists)
    with get_engine(store_backend).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE items")
    with session_scope(store_backend) as session:
        now = datetime.now(UTC)
        for plan in (_plan(session, searched, now=now, words=f.q, **inbox._month_bounds(now)), _plan(session, by_due)):
            assert "Seq Scan" not in plan, plan
            assert {ix for ix in WORD_INDEXES if ix in plan} == indexes, plan


@pytest.mark.postgres
@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)
def test_closed_items_are_listed_from_their_own_inbox_order(store_backend) -> None:  # type: ignore[no-untyped-def]
    """The filter on closed items, and its search's probe, read the closed items' inbox order
    (ix_items_done_inbox): through the inbox order of every item they stepped over every open
    urgent item first (50,000 heap pages at 1,000,000 items)."""
    from sqlalchemy import select

    from admin import inbox
    from admin.inbox import INBOX_ORDER, LIST_COLUMNS, InboxFilter, apply_filter
    from admin.response_clock import Clock
    from bench.fill import _items_sql
    from store.db import get_engine, session_scope
    from store.models import User

    user = User(username="es", roles=["eingangsservice"], queues=["*"])
    now = datetime.now(UTC)
    listed = apply_filter(select(*LIST_COLUMNS), InboxFilter(status="done"), user, "postgresql",
                          Clock({}, 48.0, now)).order_by(*INBOX_ORDER).limit(51)
    f = InboxFilter(q="Wohngeld Miete", status="done")
    searched = inbox._search_statement(tuple((x.name, getattr(f, x.name)) for x in fields(f) if x.name != "q"),
                                       (user.username, tuple(user.roles), tuple(user.queues)), False, 50, inbox.SEARCH_WINDOW, 3,
                                       inbox._urgencies(f, None))
    with session_scope(store_backend) as session:
        session.connection().exec_driver_sql(_items_sql(20000).replace("%", "%%"))
    with get_engine(store_backend).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE items")
    with session_scope(store_backend) as session:
        for plan in (_plan(session, listed), _plan(session, searched, now=now, words=f.q, **inbox._month_bounds(now))):
            assert "ix_items_done_inbox" in plan, plan
            assert "ix_items_inbox " not in plan and "Seq Scan" not in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)
def test_reading_on_in_order_stops_where_the_page_does_not_fill(store_backend, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Three matches near the top made the probe take the words for dense, and reading on in
    inbox order then went on until the page was full (at 1,000,000 items 45,000 items for
    „Heimkosten Vermieter Minijob Oldenburg“ „nicht dringend“). Reading on stops after
    READ_ON items; the index branch gives the page, the same rows."""
    from sqlalchemy import event, select

    from admin import inbox
    from admin.inbox import (
        INBOX_ORDER,
        LIST_COLUMNS,
        InboxFilter,
        apply_filter,
        clock_for,
        inbox_page,
    )
    from bench.fill import _items_sql
    from store.db import get_engine, session_scope
    from store.models import User

    monkeypatch.setattr(inbox, "READ_ON", 100)
    user = User(username="es", roles=["eingangsservice"], queues=["*"])
    f = InboxFilter(q="Zauberwort", urgent="0")
    # Given 3,000 items, a word in three of the newest open ones and then in one of every 40
    # (ids 8, 9, 10 and 48, 88, …: open, not urgent in bench/fill.py's items),
    with session_scope(store_backend) as session:
        session.connection().exec_driver_sql(_items_sql(3000).replace("%", "%%"))
        session.connection().exec_driver_sql(
            "UPDATE items SET full_text = full_text || ' Zauberwort' WHERE id IN (8, 9, 10) OR id %% 40 = 8")
    with get_engine(store_backend).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE items")
    with session_scope(store_backend) as session:
        clock = clock_for(session, store_backend)
        expected = [r.id for r in session.execute(
            apply_filter(select(*LIST_COLUMNS), f, user, "postgresql", clock).order_by(*INBOX_ORDER).limit(50))]
        # when the first page is searched,
        statements = []
        conn = session.connection()
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")

        def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
            statements.append((statement, parameters))
        event.listen(conn, "before_cursor_execute", keep)
        rows, _ = inbox_page(session, user, f, clock=clock)
        event.remove(conn, "before_cursor_execute", keep)
        # then its rows are those of the plain query, and of the items it read it let go no more
        # than the probe's window and READ_ON (before: every open item not urgent, ~1,900, read
        # on in order or, in a table this small, all of them sorted).
        assert [r.id for r in rows] == expected and len(expected) == 50
        statement, parameters = next((s, p) for s, p in statements if "websearch_to_tsquery" in s)
        plan = [row[0] for row in conn.exec_driver_sql("EXPLAIN ANALYZE " + statement, parameters)]
        let_go = sum(int(line.split(":")[-1]) for line in plan if "Rows Removed by Filter" in line)
        assert let_go <= inbox.SEARCH_WINDOW + inbox.READ_ON, "\n".join(plan)
