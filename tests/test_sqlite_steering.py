"""Embedded SQLite's monthly rows of the dashboard (migration 0036, store.sqlite_steering): kept by
triggers on ``steering_daily`` in the transaction of every change of a daily row, whoever makes
it, always the sum of the month's daily rows; filled by the migration for the rows already
there, removed by its downgrade; and the dashboard, which reads whole months from them, gives
the figures a recount of the items gives."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from store.settings import get_settings
from tests.old_schema import later_columns
from tests.web import add_item


def _monthly() -> dict[tuple, tuple[int, float]]:
    from store.db import get_engine

    with get_engine(get_settings()).connect() as conn:
        return {(m, metric, q, ch): (int(n), float(t)) for m, metric, q, ch, n, t in conn.execute(text(
            "SELECT month, metric, queue, channel, n, total FROM steering_monthly"))}


def _daily_by_month() -> dict[tuple, tuple[int, float]]:
    from store.db import get_engine

    with get_engine(get_settings()).connect() as conn:
        return {(m, metric, q, ch): (int(n), float(t)) for m, metric, q, ch, n, t in conn.execute(text(
            "SELECT date(day, 'start of month'), metric, queue, channel, sum(n), sum(total) "
            "FROM steering_daily GROUP BY 1, 2, 3, 4"))}


def _assert_months_are_the_days() -> None:
    monthly, daily = _monthly(), _daily_by_month()
    assert monthly.keys() == daily.keys()
    for key, (n, total) in daily.items():
        assert monthly[key][0] == n, key
        assert monthly[key][1] == pytest.approx(total, rel=1e-12, abs=1e-9), key


def test_the_monthly_rows_follow_every_change_of_a_daily_row(settings) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.models import Item

    # The items' triggers: inflow on insert, routing, a re-route, a first action, a closing.
    first = add_item("Wohngeld", "Antrag", "wohngeld", minutes_ago=60 * 24 * 40)
    second = add_item("Miete", "Mietschulden", "sozialamt", channel="letter")
    with session_scope(settings) as session:
        item = session.get(Item, first)
        item.queue, item.first_action_at = "sozialamt", datetime.now(UTC)
        session.get(Item, second).status = "done"
    _assert_months_are_the_days()
    assert _monthly()  # there is something to compare

    # SQL by hand on the daily rows: an insert, an addition, a row moved to another month, a delete.
    with session_scope(settings) as session:
        session.execute(text("INSERT INTO steering_daily (day, metric, queue, channel, slot, n, total) "
                             "VALUES ('2025-03-31', 'first_action', 'wohngeld', '', 0, 2, 7200.5)"))
        session.execute(text("UPDATE steering_daily SET n = n + 3, total = total + 1.25 "
                             "WHERE day = '2025-03-31' AND metric = 'first_action'"))
    _assert_months_are_the_days()
    assert _monthly()[("2025-03-01", "first_action", "wohngeld", "")] == (5, 7201.75)
    with session_scope(settings) as session:
        session.execute(text("UPDATE steering_daily SET day = '2025-04-01', n = 4 "
                             "WHERE day = '2025-03-31' AND metric = 'first_action'"))
    _assert_months_are_the_days()
    assert ("2025-03-01", "first_action", "wohngeld", "") not in _monthly()  # no month left with no item
    assert _monthly()[("2025-04-01", "first_action", "wohngeld", "")] == (4, 7201.75)
    with session_scope(settings) as session:
        session.execute(text("DELETE FROM steering_daily WHERE metric = 'inflow'"))
    _assert_months_are_the_days()
    assert not [key for key in _monthly() if key[1] == "inflow"]


def test_the_migration_fills_the_monthly_rows_and_its_downgrade_removes_the_triggers(settings) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from store.db import alembic_config, get_engine
    from store.sqlite_steering import TRIGGERS

    add_item("Wohngeld", "Antrag", "wohngeld", minutes_ago=60 * 24 * 70)

    def triggers() -> set[str]:
        with get_engine(settings).connect() as conn:
            return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND tbl_name = 'steering_daily'")))

    command.downgrade(alembic_config(settings), "0035_item_identifiers")
    assert triggers() == set() and _monthly() == {}
    # Figures written while the triggers are gone are taken in by the upgrade's fill.
    with later_columns(settings):
        add_item("Heimkosten", "Die Rente reicht nicht.", "sozialamt", channel="letter")
    command.upgrade(alembic_config(settings), "head")
    assert triggers() == set(TRIGGERS)
    _assert_months_are_the_days()
    assert sum(n for (_, metric, _, _), (n, _) in _monthly().items() if metric == "inflow") == 2


def test_the_dashboard_by_month_and_year_equals_a_recount_of_the_items(store_backend) -> None:  # type: ignore[no-untyped-def]
    """Items received over 14 months: the inflow per month and channel and in all, by month and by
    year (whole months from the monthly rows, the current month from the daily rows), is what
    counting the items by their local day gives; on PostgreSQL before and after a fold."""
    from sqlalchemy import select

    from services import steering
    from store.db import session_scope
    from store.localdays import local_date
    from store.models import Item
    from store.steering_fold import fold

    channels = ("email", "letter", "webform", "phone")
    for k in range(30):
        add_item(f"Antrag {k}", "Text", "wohngeld", channel=channels[k % 4], minutes_ago=k * 60 * 24 * 14 + 17 * k)
    now = datetime.now(UTC)
    today = steering.local_today(now)

    def compare() -> None:
        with session_scope(get_settings()) as session:
            received = [(local_date(at), ch) for at, ch in session.execute(select(Item.received_at, Item.channel))]
            for unit in ("monat", "jahr"):
                period = steering.Period.parse(unit, "2025-01-17" if unit == "monat" else None, None, today)
                board = steering.dashboard(session, get_settings(), period, None, now)
                inside = [(period.bucket_of(day), ch) for day, ch in received if period.start <= day <= period.end]
                assert board.inflow_total == len(inside), unit
                expected = Counter(inside)
                got = Counter({(start, ch): n for (start, _), (_, per) in zip(period.buckets(), board.inflow, strict=True)
                               for ch, n in per.items() if n})
                assert got == expected, unit

    compare()
    with session_scope(get_settings()) as session:
        fold(session, today)
    compare()
