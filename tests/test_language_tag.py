"""A Ukrainian mail over a real SMTP session carries "Übersetzung nötig: Ukrainisch" in the
inbox and on the item page; a German one carries no tag."""

from __future__ import annotations

import smtplib

from sqlalchemy import select

from connectors.smtp import make_controller
from store.db import session_scope
from store.models import Item
from store.settings import get_settings
from tests.mails import WOHNGELD, citizen_mail
from tests.services import free_port, settle
from tests.web import client_for, create_users

UKRAINIAN = (
    "Питання щодо допомоги",
    "Добрий день, я приїхала з України з двома дітьми. Нам відключили світло в квартирі, "
    "і я не знаю, куди звернутися. Я отримую бюргергельд. Дякую, Олена Коваль",
)


def test_language_tag_from_smtp_to_inbox_and_item_page(settings, pipeline) -> None:
    # Given our SMTP intake and the workers
    port = free_port()
    controller = make_controller(settings, port)
    controller.start()
    try:
        # When a citizen writes in Ukrainian, and another in German
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.send_message(citizen_mail(*UKRAINIAN, sender="olena@example.org"))
            client.send_message(citizen_mail(*WOHNGELD))
    finally:
        controller.stop()
    settle(pipeline)  # the first step is enqueued just after the 250
    with session_scope(get_settings()) as session:
        items = {i.subject: (i.id, i.classification, i.urgent) for i in session.scalars(select(Item))}
    ua_id, ua_classification, ua_urgent = items[UKRAINIAN[0]]
    de_id, de_classification, _ = items[WOHNGELD[0]]
    # Then the classification knows the language, and the emergency is urgent
    assert ua_classification["language"] == "uk"
    assert ua_classification["language_name"] == "Ukrainisch"
    assert de_classification["language"] == "de"
    assert ua_urgent
    # And staff see the tag in the inbox and on the item page, for the Ukrainian mail only
    create_users()
    web = client_for("es")
    inbox = web.get("/inbox").text
    assert inbox.count("Übersetzung nötig: Ukrainisch") == 1
    assert "Übersetzung nötig: Ukrainisch" in web.get(f"/items/{ua_id}").text
    assert "Übersetzung nötig" not in web.get(f"/items/{de_id}").text
