"""§ 16 Abs. 2 SGB I (issue #14): a misdirected application is forwarded to the responsible
body with its receipt date, and the citizen is told so in plain German — not "nicht
weitergeleitet". A question is still only referred."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from store.blobs import blob_store
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming, store_incoming
from store.models import Event, Item, OutboxMessage
from store.settings import get_settings
from tests.mails import citizen_mail

RECEIVED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


@pytest.fixture
def forwarding_config(settings):  # type: ignore[no-untyped-def]
    from store.catalogue import change_referral_body

    with session_scope(get_settings()) as session:  # as an admin enters it in the console
        change_referral_body(session, "Familienkasse", {"email": "familienkasse@familienkasse.example"},
                             "web:admin", settings=get_settings())
    return settings


def _route(subject: str, text: str) -> int:
    from worker import steps

    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(
            channel=Channel.EMAIL, content=citizen_mail(subject, text).as_bytes(),
            media_type="message/rfc822", received_at=RECEIVED), blob_store(get_settings()))
        item_id = item.id
    steps.extract(item_id, settings=get_settings())
    steps.classify(item_id, settings=get_settings())
    steps.route_item(item_id, settings=get_settings())
    return item_id


def _messages(item_id: int) -> dict[str, dict]:
    with session_scope(get_settings()) as session:
        return {m.payload["to"]: m.payload for m in session.scalars(
            select(OutboxMessage).where(OutboxMessage.item_id == item_id))}


def test_a_misdirected_application_is_forwarded_and_keeps_its_receipt_date(forwarding_config):
    item_id = _route("Antrag auf Kindergeld", "Hiermit beantrage ich Kindergeld für meine Tochter Lea, "
                     "geboren am 02.10.2026. Ich wohne in 26123 Oldenburg.\nAnna Schulz")
    messages = _messages(item_id)
    forward = messages["familienkasse@familienkasse.example"]
    assert "§ 16 Abs. 2 SGB I" in forward["subject"]
    assert "20.11.2026 um 10:30 Uhr" in forward["body"]  # the receipt time, local
    original = base64.b64decode(forward["attachments"][0]["data_b64"])
    assert b"Hiermit beantrage ich Kindergeld" in original
    citizen = messages["buerger@example.org"]["body"]
    assert "weitergeleitet" in citizen and "nicht weitergeleitet" not in citizen
    assert "sind nicht wir zuständig, sondern die Familienkasse" in citizen
    assert "§ 16 Absatz 2" in citizen and "also am 20.11.2026" in citizen
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.received_at == RECEIVED
        kinds = session.scalars(select(Event.kind).where(Event.item_id == item_id)).all()
    assert "forwarded" in kinds


def test_without_an_address_the_application_waits_to_be_forwarded_by_hand(settings):
    item_id = _route("Bürgergeld", "Ich möchte Bürgergeld beantragen. Ich wohne in 26160 Bad Zwischenahn.\nMax Meier")
    citizen = _messages(item_id)["buerger@example.org"]["body"]
    assert "sind nicht wir zuständig, sondern die Stadt oder der Landkreis Ihres Wohnorts" in citizen
    assert "Wir leiten Ihren Antrag deshalb an die Stadt oder den Landkreis Ihres Wohnorts weiter" in citizen
    assert "andere Kommune" not in citizen
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        assert item.status != "done" and "von Hand weiterleiten" in item.status_reason


def test_a_question_is_referred_in_correct_german(settings):
    item_id = _route("Frage", "Wo kann ich Kindergeld bekommen? Was muss ich tun? 26123 Oldenburg")
    with session_scope(get_settings()) as session:
        assert session.get(Item, item_id).intent == "auskunft"
    citizen = _messages(item_id)["buerger@example.org"]["body"]
    assert "sind nicht wir\nzuständig, sondern die Familienkasse." in citizen
    assert "Für Ihr Anliegen ist die Familienkasse zuständig" not in citizen  # said once
    assert "weitergeleitet" not in citizen
