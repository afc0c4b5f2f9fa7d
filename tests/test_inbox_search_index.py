"""PostgreSQL keeps the words of open and of closed items in two partial indexes (migration
0034): every search the inbox makes (open items, closed ones, one status, every status, sorted
by time left) can be answered from them, never by reading every item."""

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


@pytest.mark.postgres
@pytest.mark.parametrize("store_backend", ["postgres"], indirect=True)
@pytest.mark.parametrize(("status", "indexes"), [
    ("offen", {"ix_items_search_open"}), ("routed", {"ix_items_search_open"}),
    ("done", {"ix_items_search_done"}), ("", {"ix_items_search_open", "ix_items_search_done"})])
def test_every_search_reads_the_word_index_of_its_statuses(store_backend, status, indexes) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from admin import inbox
    from admin.inbox import LIST_COLUMNS, InboxFilter, apply_filter
    from admin.response_clock import Clock
    from bench.fill import _items_sql
    from store.db import get_engine, session_scope
    from store.models import User

    user = User(username="es", roles=["eingangsservice"], queues=["*"])
    f = InboxFilter(q="Person 2711", status=status)
    searched = inbox._search_statement(tuple((x.name, getattr(f, x.name)) for x in fields(f) if x.name != "q"),
                                       (user.username, tuple(user.roles), tuple(user.queues)), False, 50, 1000, 3)
    by_due = apply_filter(select(*LIST_COLUMNS), InboxFilter(q="2711", status=status, sort="zielzeit"),
                          user, "postgresql", Clock({}, 48.0, datetime.now(UTC)))
    # Given items enough for the planner to prefer an index to reading them all (bench/fill.py's
    # items: 35 % closed), and a word only a few of them have,
    with session_scope(store_backend) as session:
        session.connection().exec_driver_sql(_items_sql(3000).replace("%", "%%"))
    # (vacuumed as a running system is: the new words leave the indexes' pending lists)
    with get_engine(store_backend).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE items")
    with session_scope(store_backend) as session:
        for plan in (_plan(session, searched, now=datetime.now(UTC), words=f.q), _plan(session, by_due)):
            assert "Seq Scan" not in plan, plan
            assert {ix for ix in ("ix_items_search_open", "ix_items_search_done") if ix in plan} == indexes, plan
