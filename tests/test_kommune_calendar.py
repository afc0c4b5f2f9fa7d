"""The Kommune's calendar is configuration: a Kommune in Bayern (holiday region DE-BY) closes its
offices on Bavarian holidays and lets a deadline that ends on one run to the next working day;
Oldenburg (DE-NI) does not know those holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import yaml
from sqlalchemy import select

from domain import catalogue_to_dict, load_profile
from store.appointments import offer, slot_times
from store.blobs import blob_store
from store.catalogue import import_catalogue
from store.db import session_scope
from store.models import AppointmentSchedule, AppointmentSlot, Item
from store.settings import get_settings
from tests.mails import citizen_mail

EPIPHANY = date(2026, 1, 6)  # Heilige Drei Könige, a Tuesday: a holiday in Bayern, not in Niedersachsen
WEEKDAYS = {str(d): [["09:00", "11:00"]] for d in range(5)}
# Posted 2.12.2026 → known 6.12. → one month: Wednesday 6.1.2027, Epiphany again.
WIDERSPRUCH = ("Widerspruch", "Sehr geehrte Damen und Herren,\nhiermit lege ich Widerspruch gegen "
               "Ihren Bescheid vom 02.12.2026 ein.\nIch wohne in 26123 Oldenburg.\nMit freundlichen "
               "Grüßen\nMaria Müller")


@pytest.fixture()
def bavarian_profile(tmp_path):  # type: ignore[no-untyped-def]
    """A Kommune profile file like Oldenburg's, but in Bayern."""
    plain = catalogue_to_dict(load_profile("oldenburg"))
    plain["kommune"]["holiday_region"] = "DE-BY"
    path = tmp_path / "bayern.yaml"
    path.write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture()
def in_bayern(settings, bavarian_profile):  # type: ignore[no-untyped-def]
    with session_scope(get_settings()) as session:
        import_catalogue(session, load_profile(str(bavarian_profile)), "test", str(bavarian_profile), settings=get_settings())
    return settings


def test_schedules_skip_the_kommunes_own_holidays(bavarian_profile):
    schedule = AppointmentSchedule(hours=WEEKDAYS, slot_minutes=60, holidays=[])
    in_oldenburg = slot_times(schedule, EPIPHANY, 1, load_profile("oldenburg").kommune)
    in_bavaria = slot_times(schedule, EPIPHANY, 1, load_profile(str(bavarian_profile)).kommune)
    assert len(in_oldenburg) == 2
    assert in_bavaria == []


def test_offers_in_bayern_leave_out_epiphany(in_bayern):
    # Given a schedule on every weekday morning
    with session_scope(get_settings()) as session:
        session.add(AppointmentSchedule(queue="schuldnerberatung", hours=WEEKDAYS, slot_minutes=60,
                                        capacity=1, holidays=[], min_lead_hours=24))
    # When an offer is made on Monday 5 January, 8:00 (Tuesday 6 January is the first possible day)
    with session_scope(get_settings()) as session:
        made = offer(session, "schuldnerberatung", None, "secret",
                     now=datetime(2026, 1, 5, 7, 0, tzinfo=UTC))
        assert made is not None
        offered = {s.starts_at.date() for s in made.slots}
        slot_days = set(session.scalars(select(AppointmentSlot.starts_at)))
    # Then no slot exists or is offered on the Bavarian holiday
    assert EPIPHANY not in offered
    assert min(offered) == date(2026, 1, 7)
    assert EPIPHANY not in {s.date() for s in slot_days}


def test_a_deadline_ending_on_a_bavarian_holiday_runs_to_the_next_day(in_bayern):
    from store.enums import Channel
    from store.intake import Incoming, store_incoming
    from worker import steps

    # Given a Widerspruch whose month ends on Epiphany 2027
    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(
            channel=Channel.EMAIL, content=citizen_mail(*WIDERSPRUCH).as_bytes(),
            media_type="message/rfc822", received_at=datetime(2026, 12, 8, 9, 0, tzinfo=UTC)), blob_store(get_settings()))
        item_id = item.id
    # When it is read and classified in the Bavarian Kommune
    steps.extract(item_id, settings=in_bayern)
    steps.classify(item_id, settings=in_bayern)
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        facts, deadline = item.facts, item.deadline
    # Then the deadline is Thursday 7 January, the end of that day in the Kommune's time
    assert facts["widerspruch_deadline"][0]["frist_bis"] == "2027-01-07"
    assert deadline == datetime(2027, 1, 7, 22, 59, 59, tzinfo=UTC)


def test_in_oldenburg_the_same_deadline_ends_on_epiphany():
    from classifier.engine import Classifier
    from classifier.signals import DEFAULT_SIGNALS, Signals
    from classifier.types import ClassifyRequest

    classifier = Classifier(Signals.load(DEFAULT_SIGNALS), catalogue=load_profile("oldenburg"))
    result = classifier.classify(ClassifyRequest(text=WIDERSPRUCH[1], subject=WIDERSPRUCH[0]))
    assert result.facts["widerspruch_deadline"][0]["frist_bis"] == "2027-01-06"


def test_the_console_sets_the_holiday_region_and_refuses_an_unknown_one(settings):
    from store.catalogue import current_catalogue
    from tests.web import client_for, create_users, post_form

    create_users()
    chef = client_for("chef")
    form = {"name": "Stadt Oldenburg (Oldb)", "ags": "03403000", "kind": "Stadt",
            "postcodes": "26121, 26122, 26123", "gemeinden": "", "neighbours": "",
            "timezone": "Europe/Berlin", "holiday_region": "DE-BY"}
    post_form(chef, "/admin/kommune", "/admin/kommune", form)
    assert current_catalogue().kommune.holiday_region == "DE-BY"
    assert 'value="DE-BY"' in chef.get("/admin/kommune").text
    refused = post_form(chef, "/admin/kommune", "/admin/kommune", {**form, "holiday_region": "DE-XY"})
    assert "Feiertagsregion „DE-XY“ unbekannt" in chef.get(refused.headers["location"]).text
    refused = post_form(chef, "/admin/kommune", "/admin/kommune", {**form, "timezone": "Europe/Oldenburg"})
    assert "Zeitzone „Europe/Oldenburg“ unbekannt" in chef.get(refused.headers["location"]).text
    assert (current_catalogue().kommune.holiday_region, current_catalogue().kommune.timezone) == (
        "DE-BY", "Europe/Berlin")
