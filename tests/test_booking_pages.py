"""The citizen's booking pages (issue #14): styled under our own CSP (no inline style), they
say which office, what for, where and under which reference; a slot taken meanwhile offers
the others, or new ones; the confirmation mail names the place."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from store.db import session_scope
from store.models import AppointmentSlot
from store.settings import get_settings
from tests.test_followups import (
    classified_item,
    configured,  # noqa: F401  (a fixture: used through ``mail_out``)
    deliver_all,
    sent_mails,
)
from worker import outbox, steps


@pytest.fixture
def mail_out(configured):  # type: ignore[no-untyped-def]  # noqa: F811
    return configured


def _offer(mail_out: dict) -> tuple[TestClient, str, str]:  # type: ignore[type-arg]
    from admin.app import create_app

    item_id = classified_item("schuldnerberatung", "auskunft")
    steps.route_item(item_id, settings=get_settings())
    deliver_all(item_id)
    body = sent_mails(mail_out["mail"])[0].get_content()
    link = re.search(r"http://testserver(/termin/\S+)", body).group(1)
    with session_scope(get_settings()) as session:
        from store.models import Item

        reference = session.get(Item, item_id).reference
    return TestClient(create_app(), follow_redirects=False), link, reference


def test_the_booking_page_is_styled_and_says_office_purpose_place_and_reference(mail_out):
    client, link, reference = _offer(mail_out)
    page = client.get(link)
    assert page.status_code == 200
    assert '<link rel="stylesheet" href="/static/app.css">' in page.text
    assert "<style" not in page.text and "style=" not in page.text  # our CSP refuses inline styles
    assert "style-src 'self'" in page.headers["content-security-policy"]
    for text in ("Schuldnerberatung, Stadt Oldenburg (Oldb)", "Gespräch zu Ihrem Anliegen (Auskunft/Sachstand)",
                 "Rathaus, Markt 1, 26122 Oldenburg", reference):
        assert text in page.text, page.text[page.text.index("<main"):]


def test_a_slot_taken_meanwhile_offers_the_others_and_then_new_ones(mail_out):
    client, link, _reference = _offer(mail_out)
    ids = [int(i) for i in re.findall(r'name="slot_id" value="(\d+)"', client.get(link).text)]
    assert len(ids) >= 2
    with session_scope(get_settings()) as session:  # someone else books the first slot meanwhile
        session.execute(update(AppointmentSlot).where(AppointmentSlot.id == ids[0])
                        .values(booked=AppointmentSlot.capacity))
    taken = client.post(link, data={"slot_id": str(ids[0])})
    assert taken.status_code == 409 and "gerade vergeben" in taken.text
    left = [int(i) for i in re.findall(r'name="slot_id" value="(\d+)"', taken.text)]
    assert left == ids[1:]
    with session_scope(get_settings()) as session:  # now all offered slots are gone: new ones are offered
        session.execute(update(AppointmentSlot).where(AppointmentSlot.id.in_(ids))
                        .values(booked=AppointmentSlot.capacity))
    moved = client.get(link)
    assert moved.status_code == 303 and moved.headers["location"].startswith("/termin/")
    fresh = client.get(moved.headers["location"])
    assert "neue Termine" in fresh.text
    new_ids = {int(i) for i in re.findall(r'name="slot_id" value="(\d+)"', fresh.text)}
    assert new_ids and not new_ids & set(ids)


def test_the_confirmation_mail_names_the_place(mail_out):
    client, link, reference = _offer(mail_out)
    slot_id = re.search(r'name="slot_id" value="(\d+)"', client.get(link).text).group(1)
    done = client.post(link, data={"slot_id": slot_id})
    assert done.status_code == 200 and "Rathaus, Markt 1" in done.text
    from sqlalchemy import select

    from store.models import OutboxMessage

    with session_scope(get_settings()) as session:
        confirm = session.scalars(select(OutboxMessage.id).where(OutboxMessage.dedupe_key.like("confirm:%"))).one()
    outbox.deliver(confirm, get_settings())
    mail = next(m for m in sent_mails(mail_out["mail"]) if "gebucht" in m.get_body(("plain",)).get_content())
    text = mail.get_body(("plain",)).get_content()
    assert "Wo:    Eingangsservice Soziales, Rathaus, Markt 1, 26122 Oldenburg" in text
    assert f"Ihr Zeichen: {reference}" in text
