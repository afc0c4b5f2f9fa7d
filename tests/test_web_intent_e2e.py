"""A new intent (Anliegenart), added in the console of a running `eingang serve` in a real
browser, works without code or restart: a mail with its keyword (a real SMTP session) is
classified to it, the inbox filters by it and the item shows its label; a channel added the
same way is offered as an inbox filter."""

from __future__ import annotations

import smtplib

import pytest

from tests.browser import assert_accessible, login, served
from tests.mails import citizen_mail

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "Admin-Passwort-e2e-3"
LABEL = "Auskunft über gespeicherte Daten"


@pytest.fixture(scope="module")
def server(tmp_path_factory, templates):  # type: ignore[no-untyped-def]
    tmp = tmp_path_factory.mktemp("intent")
    with served(tmp, {"EINGANG_ADMIN_PASSWORD": ADMIN_PASSWORD}, templates.sqlite("oldenburg")) as running:
        yield running


def test_an_intent_added_in_the_console_classifies_and_filters(server, browser):
    runner, base, smtp = server
    admin = login(browser, base, "admin", ADMIN_PASSWORD, viewport={"width": 1400, "height": 1000})

    # The admin adds the intent and a channel on the Kommune page.
    admin.goto(f"{base}/admin/kommune")
    admin.fill("#i-key", "datenauskunft")
    admin.fill("#i-label", LABEL)
    admin.fill("#i-keywords", "Datenauskunft\nArt. 15 DSGVO")
    admin.fill("#i-examples", "Welche Daten haben Sie über mich gespeichert")
    admin.click("form[action='/admin/kommune/anliegenart'] button[type=submit]")
    admin.wait_for_selector("text=Anliegenart datenauskunft gespeichert.")
    row = admin.locator("table[aria-labelledby=h-intents] tr", has_text="datenauskunft").inner_text()
    assert LABEL in row and "Datenauskunft" in row
    admin.fill("#c-key", "chat")
    admin.fill("#c-label", "Chat-Assistent")
    admin.fill("#c-symbol", "💬")
    admin.click("form[action='/admin/kommune/kanal'] button[type=submit]")
    admin.wait_for_selector("text=Kanal chat gespeichert.")
    assert_accessible(admin)

    # A citizen asks which data the office keeps (a real SMTP session).
    mail = citizen_mail("Meine Daten", "Guten Tag, ich bitte um eine Datenauskunft nach Art. 15 DSGVO. "
                        "Ich beziehe Wohngeld.\nMaria Müller, 26123 Oldenburg")
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.send_message(mail)
    items = runner.wait_until(lambda items: len(items) == 1 and items[0]["status"] == "routed",
                              timeout=240)
    assert items[0]["intent"] == "datenauskunft"

    # The inbox filters by the new intent and offers the new channel; the item shows the label.
    admin.context.close()
    runner.run("users", "add", "erika", "--role", "eingangsservice", "--name", "Erika Eingang",
               "--password", "Eingang-e2e-3-Passwort")
    staff = login(browser, base, "erika", "Eingang-e2e-3-Passwort", viewport={"width": 1400, "height": 900})
    staff.goto(f"{base}/inbox")
    staff.select_option("#intent", "datenauskunft")
    staff.click("form.filters button[type=submit]")
    staff.wait_for_selector("#rows >> text=Meine Daten")
    assert staff.locator("#channel option[value=chat]").inner_text() == "Chat-Assistent"
    staff.click("#rows >> text=Meine Daten")
    staff.wait_for_selector(f"text={LABEL}")
    assert_accessible(staff)
    staff.context.close()
