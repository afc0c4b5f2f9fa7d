"""The due moment the database stores per item (items.due_at, migration 0027): always the
moment the response clock computes from the row (receipt + the office's target, while the clock
runs), after every change that moves it — routing, re-routing, a first action, closing and
reopening, a corrected receipt time, a changed office target or house default — and never
moved by what does not (a deadline, urgency)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from store.settings import get_settings
from tests.old_schema import later_columns
from tests.web import add_item, create_users


def _user(session, name: str = "es"):  # type: ignore[no-untyped-def]
    from store.models import User

    return session.scalars(select(User).where(User.username == name)).one()


def _stored_and_computed(session) -> dict[int, tuple[datetime | None, datetime | None]]:  # type: ignore[no-untyped-def]
    """Per item: (due_at as stored, the moment admin.response_clock computes from the row)."""
    from admin.inbox import clock_for
    from store.models import Item
    from store.settings import get_settings

    session.expire_all()
    clock = clock_for(session, get_settings())
    return {item.id: (item.due_at, clock.due(item)) for item in session.scalars(select(Item))}


def _assert_in_step(session) -> dict[int, datetime | None]:  # type: ignore[no-untyped-def]
    pairs = _stored_and_computed(session)
    assert {i: s for i, (s, _) in pairs.items()} == {i: c for i, (_, c) in pairs.items()}
    return {i: s for i, (s, _) in pairs.items()}


def test_the_stored_due_moment_follows_every_change_of_the_item(store_backend) -> None:  # type: ignore[no-untyped-def]
    from admin import actions
    from store.db import session_scope
    from store.models import Item

    create_users()
    wohngeld = add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=600)
    clearing = add_item("Unklar", "Bitte helfen", "clearing", minutes_ago=300)
    unrouted = add_item("Unlesbar", "???", None, minutes_ago=60, status="extracted")
    noted = add_item("Rückfrage", "Bürgergeld", "jobcenter", minutes_ago=120)
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
        received = {i.id: i.received_at for i in session.scalars(select(Item))}
    # The profile's targets: Wohngeld 72 hours, Clearing-Stelle 24, the house default 48.
    assert due[wohngeld] == received[wohngeld] + timedelta(hours=72)
    assert due[clearing] == received[clearing] + timedelta(hours=24)
    assert due[unrouted] == received[unrouted] + timedelta(hours=48)

    with session_scope(get_settings()) as session:  # re-routed (by the rules): the new office's target, from the receipt
        session.get(Item, clearing).queue = "wohngeld"
    with session_scope(get_settings()) as session:  # routed by the pipeline (status and office in one step)
        session.execute(update(Item).where(Item.id == unrouted).values(queue="clearing", status="routed"))
    with session_scope(get_settings()) as session:  # a deadline found or urgency set by the classifier: no change
        item = session.get(Item, wohngeld)
        item.deadline, item.urgent = datetime.now(UTC) + timedelta(days=3), True
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
    assert due[clearing] == received[clearing] + timedelta(hours=72)
    assert due[unrouted] == received[unrouted] + timedelta(hours=24)

    with session_scope(get_settings()) as session:  # a person acted (a note, a re-route by hand): the clock stops
        actions.add_note(session, session.get(Item, noted), _user(session), "Rückruf vereinbart")
        actions.reroute(session, session.get(Item, unrouted), _user(session), "jobcenter", "Bürgergeld")
    with session_scope(get_settings()) as session:  # closed by the automation (no person), then reopened
        session.execute(update(Item).where(Item.id == wohngeld).values(status="done"))
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
        assert due[noted] is None and due[wohngeld] is None and due[unrouted] is None
        session.execute(update(Item).where(Item.id == wohngeld).values(status="routed"))
    with session_scope(get_settings()) as session:
        # A corrected Eingangsstempel (the mailroom's stamp) moves the moment with it.
        session.get(Item, clearing).received_at = received[clearing] - timedelta(days=1)
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
    assert due[wohngeld] == received[wohngeld] + timedelta(hours=72)
    assert due[clearing] == received[clearing] - timedelta(days=1) + timedelta(hours=72)


def test_a_changed_office_target_re_times_that_offices_open_items(store_backend) -> None:  # type: ignore[no-untyped-def]
    from store.catalogue import change_office
    from store.db import session_scope
    from store.models import Item

    create_users()
    wohngeld = add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=600)
    jobcenter = add_item("Weiterbewilligung", "Bürgergeld weiter", "jobcenter", minutes_ago=60)
    done = add_item("Erledigt", "alt", "wohngeld", minutes_ago=900, status="done")
    with session_scope(get_settings()) as session:
        before = _assert_in_step(session)
        received = {i.id: i.received_at for i in session.scalars(select(Item))}

    with session_scope(get_settings()) as session:
        change_office(session, "wohngeld", {"response_target_hours": 12}, "web:chef", settings=get_settings())
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
    assert due[wohngeld] == received[wohngeld] + timedelta(hours=12)
    assert due[jobcenter] == before[jobcenter] and due[done] is None

    # The office's own target removed: the house default (48 hours).
    with session_scope(get_settings()) as session:
        change_office(session, "wohngeld", {"response_target_hours": ""}, "web:chef", settings=get_settings())
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
    assert due[wohngeld] == received[wohngeld] + timedelta(hours=48)


def test_another_house_default_re_times_offices_without_a_target_of_their_own(store_backend, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from store.catalogue import change_office
    from store.db import seed_catalogue, session_scope
    from store.models import Item
    from store.settings import get_settings

    create_users()
    jobcenter = add_item("Weiterbewilligung", "Bürgergeld weiter", "jobcenter", minutes_ago=60)
    wohngeld = add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=600)
    unrouted = add_item("Unlesbar", "???", None, minutes_ago=60, status="extracted")
    with session_scope(get_settings()) as session:  # the profile names a target for every office
        change_office(session, "jobcenter", {"response_target_hours": ""}, "web:chef", settings=get_settings())
    with session_scope(get_settings()) as session:
        before = _assert_in_step(session)
        received = {i.id: i.received_at for i in session.scalars(select(Item))}

    # The next start runs with EINGANG_DEFAULT_RESPONSE_TARGET_HOURS=36.
    monkeypatch.setenv("EINGANG_DEFAULT_RESPONSE_TARGET_HOURS", "36")
    get_settings.cache_clear()
    seed_catalogue(get_settings())
    with session_scope(get_settings()) as session:
        due = _assert_in_step(session)
    assert due[jobcenter] == received[jobcenter] + timedelta(hours=36)
    assert due[unrouted] == received[unrouted] + timedelta(hours=36)
    assert due[wohngeld] == before[wohngeld]  # its own 72 hours


def test_a_stale_target_table_is_put_right_by_the_first_look_at_the_inbox(store_backend) -> None:  # type: ignore[no-untyped-def]
    # E.g. the targets changed by hand in the database, or a migration ran with another default.
    from store.db import session_scope
    from store.models import Item, ResponseTarget

    create_users()
    item = add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld", minutes_ago=600)
    with session_scope(get_settings()) as session:
        session.execute(update(ResponseTarget).where(ResponseTarget.queue == "wohngeld").values(seconds=3600))
        session.execute(update(Item).values(received_at=Item.received_at))  # fires the trigger
    with session_scope(get_settings()) as session:
        stored = session.get(Item, item)
        assert stored.due_at == stored.received_at + timedelta(hours=1)
    from store import response_due

    response_due._checked.clear()  # a process that has not looked yet
    with session_scope(get_settings()) as session:
        _assert_in_step(session)


def test_a_receipt_in_the_last_millisecond_of_a_second_is_due_exactly_its_target_later(store_backend) -> None:  # type: ignore[no-untyped-def]
    # SQLite's date functions round to the millisecond: 0027's trigger made these one second late.
    from store.db import session_scope
    from store.models import Item

    create_users()
    items = [add_item("Mietzuschuss", "Wohngeld beantragen", "wohngeld") for _ in range(3)]
    fractions = (999_867, 999_500, 0)
    with session_scope(get_settings()) as session:
        for item, fraction in zip(items, fractions, strict=True):
            session.get(Item, item).received_at = datetime(2026, 12, 2, 4, 1, 36, fraction, tzinfo=UTC)
    with session_scope(get_settings()) as session:
        stored = [session.get(Item, item) for item in items]
        assert [s.due_at for s in stored] == [s.received_at + timedelta(hours=72) for s in stored]
        _assert_in_step(session)


def test_the_upgrade_puts_right_the_due_moments_sqlite_stored_one_second_late(tmp_path) -> None:
    from alembic import command
    from sqlalchemy import text

    from store.blobs import blob_store
    from store.db import alembic_config, session_scope, upgrade_schema
    from store.enums import Channel
    from store.intake import Incoming, store_incoming
    from store.settings import Settings

    settings = Settings(data_dir=tmp_path)
    command.upgrade(alembic_config(settings), "0038_search_not_urgent_months")
    received = datetime(2026, 12, 2, 4, 1, 36, 999_867, tzinfo=UTC)
    with later_columns(settings), session_scope(settings) as session:
        store_incoming(session, Incoming(channel=Channel.EMAIL, content=b"Subject: A\n\nAntrag",
                                         media_type="message/rfc822", received_at=received,
                                         sender="buerger@example.org", subject="A"), blob_store(settings))
        due = "SELECT due_at FROM items"
        assert session.execute(text(due)).scalar() == "2026-12-04 04:01:37.999867"  # 0027's rounding
    upgrade_schema(settings)
    with session_scope(settings) as session:
        assert session.execute(text(due)).scalar() == "2026-12-04 04:01:36.999867"
