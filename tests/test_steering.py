"""The Steuerung dashboard: figures kept by the database's triggers (SQLite and PostgreSQL),
who sees which offices, charts as SVG without script, every table as CSV."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from store.settings import get_settings
from tests.web import add_item, client_for, create_users


def _board(settings, queues=None, unit="tag"):  # type: ignore[no-untyped-def]
    from services import steering
    from store.db import session_scope

    now = datetime.now(UTC)
    with session_scope(get_settings()) as session:
        return steering.dashboard(session, settings, steering.Period.parse(unit, None, None, steering.local_today(now)),
                                  queues, now)


def _act(item_id: int, actor: str, kind: str, **changes) -> None:  # type: ignore[no-untyped-def]
    from store.db import session_scope
    from store.events import record
    from store.models import Item

    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        for key, value in changes.items():
            setattr(item, key, value)
        record(session, item, actor, kind, "Test")


def test_figures_follow_every_change(store_backend):
    settings = store_backend
    wg = add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld", channel="email")
    jc = add_item("Bürgergeld", "Weiterbewilligung", "jobcenter", channel="webform")
    cl = add_item("Unklar", "Bitte helfen", "clearing", channel="letter")
    add_item("Brief", "Heimkosten", "sozialamt", channel="letter", status="received")  # not routed yet

    # A person corrects the route of the Wohngeld item (a re-route of the office wohngeld) ...
    _act(wg, "web:es", "rerouted", queue="sozialamt")
    # ... the Clearing-Stelle decides (no correction: clearing is not an office that erred) ...
    _act(cl, "web:es", "rerouted", queue="jobcenter")
    # ... one item is closed by a person, one by the pipeline without anyone.
    _act(jc, "web:jc", "done", status="done", assigned_to="jc")
    auto = add_item("Unterlagen", "Anbei die Unterlagen", "sozialamt")
    _act(auto, "worker:test", "done", status="done")
    overdue = add_item("Widerspruch", "Widerspruch", "jobcenter")
    _act(overdue, "worker:classify", "classified", deadline=datetime.now(UTC) - timedelta(days=1),
         assigned_to="jc")

    board = _board(settings)
    assert board.inflow_total == 6 and board.digital == 4  # 2 letters of 6
    assert sum(sum(per.values()) for _, per in board.inflow) == 6
    assert board.routed == 5 and board.clearing == 1
    assert (board.done_auto, board.done_person) == (1, 1) and board.automation_rate == 0.5
    offices = {o.key: o for o in board.offices}
    assert offices["wohngeld"].reroutes == 1 and offices["wohngeld"].reroute_rate == 1.0
    assert offices["clearing"].reroutes == 0
    assert offices["jobcenter"].first_actions == 2  # jc's "done", the clearing decision; not the pipeline
    assert offices["jobcenter"].first_action_hours is not None
    assert offices["jobcenter"].backlog == 2 and offices["jobcenter"].overdue == 1
    assert offices["jobcenter"].oldest_open is not None and offices["wohngeld"].oldest_open is None
    assert board.staff == [("Test jc", 1)] or board.staff == [("jc", 1)]

    # Seen by the jobcenter's own staff: only that office.
    own = _board(settings, frozenset({"jobcenter"}))
    assert [o.key for o in own.offices] == ["jobcenter"]
    assert own.inflow_total == 2  # routed to the jobcenter by the pipeline: jc and overdue

    # Retention deletes items; history stays.
    from sqlalchemy import delete

    from store.db import session_scope
    from store.models import Document, Event, Item, Receipt
    with session_scope(get_settings()) as session:
        for model in (Event, Receipt, Document):
            session.execute(delete(model).where(model.item_id == wg))
        session.execute(delete(Item).where(Item.id == wg))
    assert _board(settings).inflow_total == 6

    # Open items per person: kept by triggers, exact after assignments, closings and deletions.
    _act(overdue, "web:es", "assigned", assigned_to="es")
    _act(auto, "web:es", "reopened", status="routed", assigned_to="jc")
    from sqlalchemy import func, select

    from store.models import AssignedCount
    with session_scope(get_settings()) as session:
        kept = {a: int(n) for a, n in session.execute(
            select(AssignedCount.assigned_to, func.sum(AssignedCount.n)).group_by(AssignedCount.assigned_to)) if n}
        real = dict(session.execute(select(Item.assigned_to, func.count()).where(
            Item.status != "done", Item.assigned_to.is_not(None)).group_by(Item.assigned_to)).all())
    assert kept == real == {"es": 1, "jc": 1}


def test_appointments_and_people_in_the_period(store_backend):
    """Slots offered, booked (cancelled bookings not) and held (booked, time passed) per office
    in the period; a slot outside it is not counted; open items per person by name. An office's
    own staff see only their office."""
    from store.db import session_scope
    from store.models import Appointment, AppointmentSlot
    from store.users import create_user

    settings = store_backend
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(get_settings()) as session:
        create_user(session, "anna", "Passwort-fuer-Tests-1", ["fachamt"], ["wohngeld"], "Anna Amsel")

        def slot(queue: str, start: datetime, capacity: int, bookings: tuple[str, ...] = ()) -> None:
            row = AppointmentSlot(queue=queue, starts_at=start, ends_at=start + timedelta(minutes=45),
                                  capacity=capacity, booked=bookings.count("booked"))
            session.add(row)
            session.flush()
            session.add_all(Appointment(slot_id=row.id, status=status) for status in bookings)

        slot("wohngeld", now - timedelta(hours=3), 2, ("booked", "cancelled"))  # held
        slot("wohngeld", now + timedelta(hours=2), 1, ("booked",))  # booked, still to come
        slot("jobcenter", now - timedelta(hours=5), 3)
        slot("wohngeld", now - timedelta(days=40), 4, ("booked",))  # before the period
    item = add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld")
    _act(item, "web:anna", "assigned", assigned_to="anna")

    from services import steering

    today = steering.local_today(now)  # the period: last week to the day after tomorrow
    period = steering.Period.parse("tag", str(today - timedelta(days=7)), str(today + timedelta(days=2)), today)

    def board(queues=None):  # type: ignore[no-untyped-def]
        with session_scope(get_settings()) as session:
            return steering.dashboard(session, settings, period, queues, datetime.now(UTC))

    assert board().appointments == [("Jobcenter (SGB II)", 3, 0, 0), ("Wohngeldstelle", 3, 2, 1)]
    assert board().staff == [("Anna Amsel", 1)]
    own = board(frozenset({"jobcenter"}))
    assert own.appointments == [("Jobcenter (SGB II)", 3, 0, 0)] and own.staff == []


def test_period_units_and_errors():
    from datetime import date

    import pytest

    from services.steering import Period, PeriodError

    week = Period.parse("woche", None, "2026-12-02", date(2026, 12, 2))
    assert week.start == date(2026, 9, 14) and len(week.buckets()) == 12
    assert week.buckets()[-1][1] == "KW 49/2026"
    month = Period.parse("monat", "2026-01-15", "2026-03-01", date(2026, 12, 2))
    assert [label for _, label in month.buckets()] == ["01/2026", "02/2026", "03/2026"]
    with pytest.raises(PeriodError):
        Period.parse("tag", "2026-12-05", "2026-12-01", date(2026, 12, 2))
    with pytest.raises(PeriodError):
        Period.parse("tag", "gestern", None, date(2026, 12, 2))


def test_who_sees_the_dashboard(settings):
    from store.db import session_scope
    from store.users import create_user

    create_users()
    with session_scope(get_settings()) as session:
        create_user(session, "leitung", "Passwort-fuer-Tests-1", ["leitung"], [], "Frau Leitung")
    add_item("Wohngeld", "Antrag", "wohngeld")
    add_item("Bürgergeld", "Antrag", "jobcenter", channel="webform")

    chef = client_for("leitung")
    page = chef.get("/steuerung")
    assert page.status_code == 200 and "Wohngeldstelle" in page.text and "Steuerung" in page.text
    assert page.headers["cache-control"] == "private, no-store"
    assert "<script>" not in page.text and "style=" not in page.text  # CSP stays strict
    jc_page = client_for("jc").get("/steuerung").text
    assert "Wohngeldstelle" not in jc_page and "nur Ihre Ämter" in jc_page
    assert client_for("es").get("/steuerung").status_code == 403
    assert client_for("chef").get("/steuerung?einheit=monat").status_code == 200
    by_year = chef.get("/steuerung?einheit=jahr")
    assert by_year.status_code == 200 and "Eingänge je Kanal und Jahr" in by_year.text
    assert "nach seinem Ende" in chef.get("/steuerung?von=2026-12-05&bis=2026-12-01").text

    for key in ("zufluss", "aemter", "erstbearbeitung", "personen", "termine"):
        svg = chef.get(f"/steuerung/diagramm/{key}.svg?einheit=woche")
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert "<script" not in svg.text and svg.text.startswith("<svg")
        assert "script-src" not in svg.headers["content-security-policy"]
        assert "default-src 'none'" in svg.headers["content-security-policy"]
    assert chef.get("/steuerung/diagramm/unbekannt.svg").status_code == 404

    for key in ("zufluss", "kennzahlen", "aemter", "personen", "termine"):
        csv = chef.get(f"/steuerung/{key}.csv?einheit=tag")
        assert csv.status_code == 200 and csv.text.startswith("\ufeff")
        assert "attachment" in csv.headers["content-disposition"]
    zufluss = chef.get("/steuerung/zufluss.csv").text.lstrip("\ufeff").splitlines()
    assert zufluss[0].startswith("Tag;") and zufluss[0].endswith(";Summe")
    assert sum(int(line.rsplit(";", 1)[1]) for line in zufluss[1:]) == 2
    aemter = chef.get("/steuerung/aemter.csv").text
    assert re.search(r"^jobcenter;1;0;", aemter, re.M), aemter
    assert "Wohngeld" not in client_for("jc").get("/steuerung/aemter.csv").text


def test_each_office_is_compared_with_its_own_response_target(settings):
    # Given the catalogue's targets: the Clearing-Stelle a day, the Wohngeldstelle three days,
    # and an office whose target an admin emptied: the house default.
    from store.catalogue import change_office
    from store.db import session_scope

    with session_scope(get_settings()) as session:
        change_office(session, "sozialamt", {"response_target_hours": ""}, "web:chef", settings=get_settings())
    offices = {o.key: o for o in _board(settings).offices}
    assert offices["clearing"].target_hours == 24
    assert offices["wohngeld"].target_hours == 72
    assert offices["sozialamt"].target_hours == settings.default_response_target_hours == 48
    # When an admin sets a target, the dashboard reads it at once.
    with session_scope(get_settings()) as session:
        change_office(session, "wohngeld", {"response_target_hours": 12}, "web:chef", settings=get_settings())
    assert {o.key: o for o in _board(settings).offices}["wohngeld"].target_hours == 12


def test_fold_keeps_every_figure(store_backend):
    """Past days' slots fold into one row each; today and yesterday keep their slots (writers
    still add to them); no figure is lost or counted twice."""
    from datetime import date

    from sqlalchemy import func, select

    from store.db import session_scope
    from store.models import SteeringDaily
    from store.steering_fold import fold

    today = date(2026, 12, 1)
    days = [today - timedelta(days=5), today - timedelta(days=1), today]
    with session_scope(get_settings()) as session:
        for day in days:
            for slot in range(4):
                session.add(SteeringDaily(day=day, metric="inflow", queue="", channel="email", slot=slot,
                                          n=1, total=2.0))
    with session_scope(get_settings()) as session:
        folded = fold(session, today)
    postgres = store_backend.database_url.startswith("postgresql")
    assert folded == (3 if postgres else 0)  # SQLite writes only slot 0 anyway
    with session_scope(get_settings()) as session:
        rows = session.execute(select(SteeringDaily.day, func.count(), func.sum(SteeringDaily.n),
                                      func.sum(SteeringDaily.total)).group_by(SteeringDaily.day)
                               .order_by(SteeringDaily.day)).all()
    assert [(d, int(n), float(t)) for d, _, n, t in rows] == [(d, 4, 8.0) for d in days]
    assert [c for _, c, _, _ in rows] == ([1, 4, 4] if postgres else [4, 4, 4])
    with session_scope(get_settings()) as session:
        assert fold(session, today) == 0  # nothing left to fold


def test_whole_months_from_the_monthly_rows_give_the_same_figures(store_backend):
    """By month and by year, and for sums over any whole period, whole months are read from
    steering_monthly (PostgreSQL, kept by the fold) and the rest from the daily rows: the sums
    are those of the daily rows alone, before and after a fold, with late writers to folded
    days, for periods that begin and end inside a month."""
    import random
    from datetime import date

    from sqlalchemy import select

    from services.steering import Period, _history_sums
    from store.db import session_scope
    from store.models import SteeringDaily
    from store.steering_fold import fold

    today = date(2026, 12, 1)
    postgres = store_backend.database_url.startswith("postgresql")
    slots = range(1, 9) if postgres else range(1)  # as the triggers write them
    rng = random.Random(7)
    keys = [("inflow", "", "email"), ("inflow", "", "letter"), ("routed", "wohngeld", "email"),
            ("routed", "jobcenter", "webform"), ("first_action", "wohngeld", ""), ("done_auto", "jobcenter", "")]

    def write(days: list[date]) -> None:
        with session_scope(get_settings()) as session:
            for day in days:
                for metric, queue, channel in keys:
                    for slot in rng.sample(list(slots), k=min(3, len(slots))):
                        row = session.get(SteeringDaily, (day, metric, queue, channel, slot))
                        n, total = rng.randint(1, 9), float(rng.randint(0, 5000))
                        if row is None:
                            session.add(SteeringDaily(day=day, metric=metric, queue=queue, channel=channel,
                                                      slot=slot, n=n, total=total))
                        else:
                            row.n, row.total = row.n + n, row.total + total

    def compare() -> None:
        periods = [Period.parse(unit, None, None, today) for unit in ("monat", "jahr", "woche", "tag")]
        periods += [Period.parse("monat", "2025-11-15", "2026-10-10", today),
                    Period.parse("jahr", "2025-02-03", "2026-11-30", today),
                    Period.parse("monat", "2026-03-01", "2026-03-31", today),
                    Period.parse("monat", "2026-03-02", "2026-03-30", today),
                    Period.parse("tag", "2026-07-15", "2026-10-02", today),
                    Period.parse("woche", "2026-04-01", "2026-08-31", today)]
        with session_scope(get_settings()) as session:
            daily = session.execute(select(SteeringDaily)).scalars().all()
            for period in periods:
                expected: dict[tuple, list[float]] = {}
                for r in daily:
                    if period.start <= r.day <= period.end:
                        sums = expected.setdefault((period.bucket_of(r.day), r.metric, r.queue, r.channel), [0, 0.0])
                        sums[0] += r.n
                        sums[1] += r.total
                got = {(b, m, q, c): [int(n), float(t)]
                       for b, m, q, c, n, t in session.execute(_history_sums(session, period, None))}
                assert got == expected, period
                offices = {k: v for k, v in expected.items() if k[2] == "wohngeld"}
                got = {(b, m, q, c): [int(n), float(t)]
                       for b, m, q, c, n, t in session.execute(_history_sums(session, period, {"wohngeld"}))}
                assert got == offices, period
                # Summed over the whole period (the offices' figures): whole months of any
                # period from the monthly rows on PostgreSQL, the same sums.
                whole: dict[tuple, list[float]] = {}
                for (_, m, q, _), (n, t) in expected.items():
                    sums = whole.setdefault((m, q), [0, 0.0])
                    sums[0] += n
                    sums[1] += t
                got = {}
                for _, m, q, _, n, t in session.execute(_history_sums(session, period, None, by_bucket=False)):
                    sums = got.setdefault((m, q), [0, 0.0])
                    sums[0] += int(n)
                    sums[1] += float(t)
                assert got == whole, period

    write([today - timedelta(days=d) for d in range(0, 430, 3)])
    compare()
    with session_scope(get_settings()) as session:
        assert (fold(session, today) > 0) == postgres
    compare()
    write([date(2026, 3, 14), date(2025, 12, 31), today - timedelta(days=1), today])  # late writers
    compare()
    with session_scope(get_settings()) as session:
        fold(session, today)
    compare()
