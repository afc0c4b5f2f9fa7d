"""Full-text search in the inbox checks a window of items in inbox order first and then reads
on in that order or from the word index (admin.inbox._searched on PostgreSQL, one statement
with the words and the cursor written into the SQL; _searched_sqlite on SQLite, from its index
only for the words it finds in few items): every page, for common, rare and absent words,
with and without further filters, and for words with quotes, percent signs and backslashes,
is exactly the page of one query ordered and cut by the inbox order."""

from __future__ import annotations

import pytest

from tests.web import add_item, create_users


# window: the probe's length; spacing: minutes between the items' receipts. Four days apart, the
# 48 items span this month, the RECENT_MONTHS before it and older ones: PostgreSQL's index branch
# takes the others' matches by months (admin.inbox.MONTH_SLICES, _recent_months). read_on: how
# many items PostgreSQL reads on in order after a probe that found the words dense; 10 ends
# that reading before most pages are full, so the index branch gives those (admin.inbox.READ_ON).
@pytest.mark.parametrize(("window", "spacing", "read_on"),
                         [(5, 7, 10), (1000, 7, 10), (1000, 7, 3000), (5, 4 * 24 * 60, 10)])
def test_search_pages_are_those_of_one_ordered_query(store_backend, monkeypatch, window, spacing, read_on) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from admin import inbox
    from admin.inbox import (
        INBOX_ORDER,
        LIST_COLUMNS,
        InboxFilter,
        apply_filter,
        clock_for,
        inbox_page,
    )
    from store import sqlite_search
    from store.db import session_scope
    from store.models import User
    from store.settings import get_settings

    monkeypatch.setattr(inbox, "SEARCH_WINDOW", window)
    monkeypatch.setattr(inbox, "SQLITE_SEARCH_WINDOW", window)
    monkeypatch.setattr(inbox, "DENSE_MATCHES", 2)
    monkeypatch.setattr(inbox, "READ_ON", read_on)
    # SQLite past a window of 5: "Stromsperre" (3 items) from the index, "Schulbegleitung" (4)
    # by reading on (too common for the index with 3), "Miete Stromsperre" from the candidates
    # of the one, checked for the other.
    monkeypatch.setattr(sqlite_search, "PROBE", 3 if window == 5 else 5000)
    create_users()
    for i in range(48):
        words = ["Miete"] if i % 2 else []  # every second item: dense
        words += ["Stromsperre"] if i in (3, 35, 41) else []  # rare, spread out (4 days apart: in 3 slices of months)
        words += ["Schulbegleitung"] if i in (6, 7, 8, 9) else []  # a few, close together
        add_item(f"Anliegen {i}", " ".join(["Guten Tag", *words]), "jobcenter" if i % 3 else "wohngeld",
                 urgent=i % 11 == 0, minutes_ago=i * spacing, status="done" if i % 13 == 0 else "routed")
    with session_scope(get_settings()) as session:  # two urgent items only by the model's guess
        from sqlalchemy import update

        from store.models import Item
        session.execute(update(Item).where(Item.subject.in_(["Anliegen 11", "Anliegen 33"]))
                        .values(urgent_guessed=True))
    with session_scope(get_settings()) as session:
        user = session.scalars(select(User).where(User.username == "es")).one()
        clock = clock_for(session, get_settings())
        dialect = session.get_bind().dialect.name
        for f in (InboxFilter(q="Miete"), InboxFilter(q="Stromsperre"), InboxFilter(q="Schulbegleitung"),
                  InboxFilter(q="Miete", queue="wohngeld"), InboxFilter(q="Stromsperre", status=""),
                  InboxFilter(q="Miete Stromsperre"), InboxFilter(q="Miete% 'Guten' \\ %(x)s"),
                  InboxFilter(q="'; DROP TABLE items; --"),
                  # words read in order (a phrase on PostgreSQL), with a dense word and alone
                  InboxFilter(q='"Guten Tag" Miete'), InboxFilter(q='"Tag Miete"'),
                  # urgent, certain or guessed (admin.inbox.URGENCY)
                  InboxFilter(q="Miete", urgent="vielleicht"), InboxFilter(q="Miete", urgent="sicher"),
                  InboxFilter(q="Miete", urgent="1"), InboxFilter(q="Heimkosten")):
            expected = [r.id for r in session.execute(
                apply_filter(select(*LIST_COLUMNS), f, user, dialect, clock).order_by(*INBOX_ORDER))]
            for limit in (2, 3, 50):
                seen, cursor = [], None
                while True:
                    rows, cursor = inbox_page(session, user, f, cursor, limit=limit, clock=clock)
                    assert len(rows) <= limit
                    seen += [r.id for r in rows]
                    if not cursor:
                        break
                assert seen == expected, (f, limit)
            if f.urgent == "vielleicht":
                assert {session.get(Item, i).subject for i in expected} == {"Anliegen 11", "Anliegen 33"}
        assert expected == [] and len(seen) == 0  # the absent word
