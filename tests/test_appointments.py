"""Appointment slots, offers and booking by single-use links — and never a double booking."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from domain import load_profile
from store.appointments import BookingError, book, cancel, offer, slot_times
from store.db import _engine_for, session_scope, upgrade_schema
from store.models import Appointment, AppointmentSchedule, AppointmentSlot
from store.settings import get_settings
from tests.services import postgres_database

SECRET = "test-secret"
# A Monday in a normal week, 10:00 local time: offers start from the next day.
MONDAY = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)


@pytest.fixture()
def sqlite_db(settings) -> None:  # type: ignore[no-untyped-def]
    """Embedded settings from conftest: SQLite in a temp dir, schema migrated."""


@pytest.fixture()
def postgres_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """An own PostgreSQL database, migrated, dropped afterwards."""
    with postgres_database() as url:
        monkeypatch.setenv("EINGANG_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        get_settings.cache_clear()
        upgrade_schema(get_settings())
        yield
        _engine_for(url).dispose()  # close pooled connections before the database is dropped
        _engine_for.cache_clear()
    get_settings.cache_clear()


def add_schedule(queue: str = "schuldnerberatung", capacity: int = 1, holidays: list[str] | None = None) -> None:
    with session_scope(get_settings()) as session:
        session.add(AppointmentSchedule(
            queue=queue, hours={"0": [["09:00", "10:30"]], "1": [["09:00", "10:30"]], "2": [["09:00", "10:30"]]},
            slot_minutes=45, capacity=capacity, holidays=holidays or [], min_lead_hours=24,
        ))


def test_slots_follow_opening_hours_and_skip_holidays() -> None:
    schedule = AppointmentSchedule(
        hours={"0": [["09:00", "10:30"]], "4": [["14:00", "15:00"]]}, slot_minutes=45,
        holidays=["2026-03-16"],
    )
    oldenburg = load_profile("oldenburg").kommune  # Europe/Berlin, Niedersachsen's holidays
    # Two weeks from Monday 2026-03-09; Monday 16 is closed by the admin.
    times = slot_times(schedule, date(2026, 3, 9), 14, oldenburg)
    local = [s.astimezone(ZoneInfo("Europe/Berlin")) for s, _ in times]
    assert [t.strftime("%a %d %H:%M") for t in local] == [
        "Mon 09 09:00", "Mon 09 09:45", "Fri 13 14:00", "Fri 20 14:00",
    ]  # Monday 16 is an admin holiday; Friday slot: 14:00–14:45 fits, 14:45–15:30 does not
    # Good Friday (04-03) and Easter Monday (04-06) are public holidays in Niedersachsen.
    easter = slot_times(schedule, date(2026, 4, 3), 4, oldenburg)
    assert easter == []


def test_offer_book_and_cancel_by_link(sqlite_db: None) -> None:
    add_schedule()
    # Given an offer of three slots on different days
    with session_scope(get_settings()) as session:
        o = offer(session, "schuldnerberatung", None, SECRET, now=MONDAY)
        assert o is not None and len(o.slots) == 3
        assert len({s.starts_at.date() for s in o.slots}) == 3
        assert o.slots[0].starts_at >= MONDAY + timedelta(hours=24)
        token, slot_id = o.token, o.slots[1].id
    # When the citizen books the second slot
    with session_scope(get_settings()) as session:
        booking = book(session, token, slot_id, SECRET, now=MONDAY)
        cancel_token = booking.cancel_token
    # Then the slot is taken and the link is used up
    with session_scope(get_settings()) as session:
        assert session.get(AppointmentSlot, slot_id).booked == 1
        with pytest.raises(BookingError) as used:
            book(session, token, o.slots[2].id, SECRET, now=MONDAY)
        assert used.value.code == "used" and "bereits verwendet" in used.value.message
    # When the citizen cancels by the cancel link, the slot is free again; the link is single use
    with session_scope(get_settings()) as session:
        cancel(session, cancel_token, SECRET, now=MONDAY)
    with session_scope(get_settings()) as session:
        assert session.get(AppointmentSlot, slot_id).booked == 0
        assert session.scalar(select(Appointment.status)) == "cancelled"
        with pytest.raises(BookingError, match="bereits verwendet"):
            cancel(session, cancel_token, SECRET, now=MONDAY)


def test_expired_forged_and_foreign_links_are_refused(sqlite_db: None) -> None:
    add_schedule()
    with session_scope(get_settings()) as session:
        o = offer(session, "schuldnerberatung", None, SECRET, now=MONDAY)
        token, slots = o.token, [s.id for s in o.slots]
    with session_scope(get_settings()) as session:
        with pytest.raises(BookingError) as expired:
            book(session, token, slots[0], SECRET, now=MONDAY + timedelta(days=30))
        assert expired.value.code == "expired" and "abgelaufen" in expired.value.message
        with pytest.raises(BookingError) as forged:
            book(session, token[:-2] + "xx", slots[0], SECRET, now=MONDAY)
        assert forged.value.code == "invalid"
        with pytest.raises(BookingError, match="ungültig"):
            book(session, token, slots[0], "another-secret", now=MONDAY)
        with pytest.raises(BookingError, match="nicht angeboten"):
            book(session, token, max(slots) + 1000, SECRET, now=MONDAY)


def test_full_slot_is_not_offered_again(sqlite_db: None) -> None:
    add_schedule()
    with session_scope(get_settings()) as session:
        first = offer(session, "schuldnerberatung", None, SECRET, now=MONDAY)
        token, slot_id = first.token, first.slots[0].id
    with session_scope(get_settings()) as session:
        book(session, token, slot_id, SECRET, now=MONDAY)
    with session_scope(get_settings()) as session:
        again = offer(session, "schuldnerberatung", None, SECRET, now=MONDAY)
        assert slot_id not in [s.id for s in again.slots]


@pytest.mark.postgres
def test_twenty_concurrent_bookings_of_one_slot_one_succeeds(postgres_db: None) -> None:
    # Given 20 citizens, each with an offer containing the same first slot (capacity 1)
    add_schedule(capacity=1)
    offers = []
    for _ in range(20):
        with session_scope(get_settings()) as session:
            o = offer(session, "schuldnerberatung", None, SECRET, now=MONDAY)
            offers.append((o.token, o.slots[0].id))
    slot_id = offers[0][1]
    assert all(s == slot_id for _, s in offers)

    # When all 20 book it at the same moment
    barrier = threading.Barrier(20)
    results: list[str] = []
    lock = threading.Lock()

    def attempt(token: str) -> None:
        barrier.wait()
        try:
            with session_scope(get_settings()) as session:
                book(session, token, slot_id, SECRET, now=MONDAY)
            outcome = "ok"
        except BookingError as exc:
            outcome = exc.code
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=attempt, args=(t,)) for t, _ in offers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)

    # Then exactly one succeeds, the others are told the slot is taken, the slot holds one
    assert sorted(results) == ["full"] * 19 + ["ok"]
    with session_scope(get_settings()) as session:
        assert session.get(AppointmentSlot, slot_id).booked == 1
        assert session.scalar(select(func.count()).select_from(Appointment)) == 1


def test_admin_sets_a_schedule_by_cli(sqlite_db: None) -> None:
    from click.testing import CliRunner

    from eingang.cli import main

    args = ["termine", "set", "suchtberatung", "--hours", "di=09:00-10:00", "--hours", "do=14:00-16:00,17:00-18:00",
            "--minutes", "30", "--capacity", "2", "--closed", "2026-03-10", "--location", "Rathaus, Raum 3"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "di: 09:00–10:00" in result.output and "do: 14:00–16:00, 17:00–18:00" in result.output
    with session_scope(get_settings()) as session:
        o = offer(session, "suchtberatung", None, SECRET, now=MONDAY)
        # Tuesday 10 March is closed: the first slot is Thursday 14:00 local (13:00 UTC)
        assert o.slots[0].starts_at == datetime(2026, 3, 12, 13, 0, tzinfo=UTC)
        assert o.slots[0].capacity == 2
    bad = CliRunner().invoke(main, ["termine", "set", "suchtberatung", "--hours", "xx=09:00-10:00"])
    assert bad.exit_code != 0 and "Wochentag" in bad.output
