"""End to end in a real browser (Debian's chromium via Playwright) against `eingang serve`
(what `make run` starts): SMTP → inbox → re-route with history; the mailroom's 3-letter batch;
rule edit → simulate → activate → roll back; the public form on a phone; axe-core WCAG 2.1 AA
checks of the inbox, the item page, the mailroom, every admin console page and the public form;
screenshots for the README (build/screenshots/, or docs/screenshots/ with `make screenshots`)."""

from __future__ import annotations

import re
import smtplib

import pytest

from tests import letters
from tests.browser import assert_accessible, login, new_page, screenshot, served, wait_for
from tests.mails import WOHNGELD, citizen_mail

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "Admin-Passwort-e2e-1"
STAFF_PASSWORD = "Mitarbeiterin-e2e-1"

MAILS = [
    WOHNGELD,
    ("Stromsperre angekündigt – bitte dringend helfen",
     "Guten Tag,\ndie EWE hat mir die Stromsperre für Freitag angekündigt. Ich beziehe Bürgergeld, "
     "BG-Nummer 26102BG0041877, und habe kein Geld mehr für die Abschlagszahlung.\nJana Köhler, 26122 Oldenburg"),
    ("Widerspruch gegen Bescheid vom 3. November",
     "Hiermit lege ich Widerspruch gegen den Bescheid vom 03.11.2026 über die Kosten der Unterkunft ein. "
     "Kundennummer 123D456789.\nMit freundlichen Grüßen\nPeter Lange, 26129 Oldenburg"),
    ("Grundsicherung für meine Mutter",
     "Meine Mutter (78) bekommt nur eine kleine Rente und kann die Miete nicht mehr zahlen. "
     "Wie beantragen wir Grundsicherung im Alter?\nKlaus Berger, 26131 Oldenburg"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory, templates):  # type: ignore[no-untyped-def]
    with served(tmp_path_factory.mktemp("e2e"), {"EINGANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
                                                 "EINGANG_IMAP_RELOAD_SECONDS": "2"},
                templates.sqlite("oldenburg")) as (runner, base, smtp):
        # The first start created "admin" from EINGANG_ADMIN_PASSWORD; staff accounts by CLI.
        runner.run("users", "add", "mara", "--role", "eingangsservice", "--queue", "*",
                   "--name", "Mara Eingang", "--password", STAFF_PASSWORD)
        runner.run("users", "add", "paul", "--role", "poststelle", "--name", "Paul Post",
                   "--password", STAFF_PASSWORD)
        yield runner, base, smtp


def test_mail_over_smtp_is_rerouted_in_the_inbox_with_history(server, browser):
    runner, base, smtp = server
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        for subject, body in MAILS:
            client.send_message(citizen_mail(subject, body))
    runner.wait_until(lambda items: len(items) >= len(MAILS)
                      and all(i["status"] == "routed" for i in items), timeout=180)
    page = login(browser, base, "mara", STAFF_PASSWORD, viewport={"width": 1400, "height": 900})
    wait_for(page, f"{base}/inbox", WOHNGELD[0])
    rows = page.locator("#rows tr").all_inner_texts()
    urgent = [r for r in rows if "dringend" in r]
    assert urgent and rows[: len(urgent)] == urgent  # urgent first
    assert any("Stromsperre" in r for r in urgent)
    assert_accessible(page)
    screenshot(page, "inbox")

    # A new mail appears in the open inbox without a reload (htmx polls the rows and counts).
    page.evaluate("window.__same_page = true")
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        client.send_message(citizen_mail("Frage zur Nebenkostenabrechnung", "Muss ich die Abrechnung einreichen? 26121 Oldenburg"))
    page.wait_for_selector("#rows >> text=Frage zur Nebenkostenabrechnung", timeout=90_000)
    assert page.evaluate("window.__same_page === true")  # no navigation happened

    # The staff member opens the mail and re-routes it with a reason.
    page.click(f"text={WOHNGELD[0]}")
    page.wait_for_selector("#h-original")
    assert "Mietzuschuss" in page.inner_text(".mailbody")
    page.select_option("#reroute-queue", "clearing")
    page.fill("#reroute-reason", "Antragsteller lebt in einer Einrichtung – bitte prüfen")
    page.click("form[action$='/umleiten'] button")
    page.wait_for_selector(".flash.ok")
    history = page.inner_text(".history")
    assert "Umgeleitet von wohngeld an clearing" in history
    assert "Antragsteller lebt in einer Einrichtung" in history and "web:mara" in history
    decision = page.inner_text("[aria-labelledby=h-decision]")
    assert "Gilt jetzt: Clearing-Stelle" in decision and "durch mara" in decision
    assert_accessible(page)
    page.set_viewport_size({"width": 1400, "height": 1300})
    screenshot(page, "item")
    page.context.close()


def test_citizen_completes_the_public_form_on_a_phone(server, browser):
    _runner, base, _smtp = server
    page = new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                    device_scale_factor=2)
    page.goto(f"{base}/anliegen")
    assert_accessible(page)
    # Keyboard only to the first answer: the form is usable without a mouse.
    page.keyboard.press("Tab")
    page.check("#who-familie")
    page.fill("#age", "41")
    page.check("#work-ja")
    page.select_option("#topic", "lebensunterhalt")
    page.fill("#postcode", "26125")
    page.click("button[type=submit]")
    page.wait_for_selector(".suggestion")
    assert "Jobcenter" in page.inner_text(".suggestion")
    assert_accessible(page)
    page.fill("#text", "Ich habe meine Arbeit verloren und brauche Unterstützung für Miete und Lebensunterhalt.")
    page.fill("#name", "Sabine Roth")
    page.fill("#email", "sabine.roth@example.org")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "public-form")
    page.click("button[type=submit]")
    page.wait_for_selector(".reference")
    assert re.fullmatch(r"EIN-\d{4}-\d{6}", page.inner_text(".reference"))
    assert_accessible(page)
    page.context.close()


def test_mailroom_uploads_a_three_letter_batch_and_sees_three_items(server, browser, tmp_path):
    _runner, base, _smtp = server
    pdf = tmp_path / "stapel.pdf"
    pdf.write_bytes(letters.image_pdf([
        letters.render_page(letters.WOHNGELD), letters.separator_page(),
        letters.render_page(letters.WIDERSPRUCH), letters.separator_page(),
        letters.render_page(letters.UMZUG),
    ]))
    page = login(browser, base, "paul", STAFF_PASSWORD, viewport={"width": 1400, "height": 900})
    page.goto(f"{base}/post")
    assert_accessible(page)
    page.set_input_files("#file", str(pdf))
    page.fill("#received_on", "2026-11-19")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector(".flash.ok")
    page.click("a[href^='/post/stapel/']")
    page.wait_for_selector("text=Poststapel")
    wait_for(page, page.url, "Status aufgeteilt", timeout=240)
    letter_rows = page.locator("table.list").first.locator("tbody tr")
    assert letter_rows.count() == 3
    # each letter's item is linked (from the letters table and from its pages' group)
    links = page.locator("a[href^='/items/']").evaluate_all("els => [...new Set(els.map(e => e.getAttribute('href')))]")
    assert len(links) == 3
    assert "19.11.2026" in page.content()  # the Eingangsstempel
    assert_accessible(page)
    page.set_viewport_size({"width": 1400, "height": 1100})
    screenshot(page, "mailroom")
    # The post had arrived a day earlier: the stamp is corrected for the batch and its letters.
    page.fill("#received_on", "2026-11-18")
    page.fill("#stamp-reason", "Post lag seit gestern im Briefkasten")
    page.click("form[action$='/eingangsdatum'] button")
    page.wait_for_selector("text=Eingangsstempel auf 18.11.2026 gesetzt.")
    page.click("table.list >> nth=0 >> a[href^='/items/'] >> nth=0")
    assert "18.11.2026" in page.inner_text(".item-head")
    page.goto(f"{base}/post")  # now with a batch and its letters
    assert_accessible(page)
    page.context.close()


def test_admin_edits_simulates_activates_and_rolls_back_a_rule(server, browser):
    runner, base, smtp = server
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:  # a stored item the draft changes
        client.send_message(citizen_mail(WOHNGELD[0] + " (Lastenzuschuss)", WOHNGELD[1]))
    runner.wait_until(lambda items: any(i["queue"] == "wohngeld" for i in items), timeout=180)
    page = login(browser, base, "admin", ADMIN_PASSWORD, viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/admin/regeln")
    source = page.input_value("#source")
    rule = ("  - name: wohngeld_pruefen\n"
            "    description: Vorübergehend alle Wohngeld-Anliegen zur Clearing-Stelle\n"
            "    when: {classifier_queue: wohngeld}\n"
            "    then: {queue: clearing, stop: true}\n\n")
    page.fill("#source", source.replace("rules:\n", "rules:\n" + rule, 1))
    page.fill("#comment", "Wohngeld vorübergehend prüfen")
    page.click("form[action='/admin/regeln/entwurf'] button")
    page.wait_for_selector("text=Simulation: Entwurf v1")
    assert "wohngeld_pruefen" in page.inner_text("main")  # the deciding rule of a changed item
    assert_accessible(page)
    screenshot(page, "rule-simulation")
    page.fill("#reason", "Test der Weboberfläche")
    page.click("form[action$='/aktivieren'] button")
    page.wait_for_selector("text=Regelwerk v1 ist aktiv.")
    # A second version, then back to the first.
    page.goto(f"{base}/admin/regeln")
    page.fill("#comment", "unverändert")
    page.click("form[action='/admin/regeln/entwurf'] button")
    page.click("form[action$='/aktivieren'] button")
    page.wait_for_selector("text=Regelwerk v2 ist aktiv.")
    page.click("form[action='/admin/regeln/zurueck'] button")
    page.wait_for_selector("text=Zurück zu Regelwerk v1.")
    page.goto(f"{base}/admin/protokoll")
    log = page.inner_text("main")
    assert log.count("Regelwerk aktiviert") == 3  # the audit trail: two activations and the rollback
    assert "rules_activated" not in log  # German, no codes
    page.context.close()


def test_admin_console_pages_are_accessible(server, browser):
    _runner, base, _smtp = server
    page = login(browser, base, "admin", ADMIN_PASSWORD, viewport={"width": 1400, "height": 1000})
    page.goto(f"{base}/admin")
    assert_accessible(page)
    # Every page of the console's navigation, including pages added later.
    paths = page.eval_on_selector_all("nav.subnav a", "links => links.map(a => a.getAttribute('href'))")
    assert "/admin/regeln" in paths and len(paths) >= 8
    for path in paths:
        page.goto(base + path)
        assert page.locator("main h1, main h2").count(), path
        assert_accessible(page)
    page.context.close()


def test_admin_adds_a_mailbox_tests_the_connection_and_its_mail_arrives(server, browser):
    from tests.dovecot import PASSWORD, dovecot
    from tests.mails import citizen_mail as mail

    runner, base, _smtp = server
    with dovecot(["wohngeld"]) as imap:
        imap.deliver("wohngeld", mail("Wohngeld über das Postfach", WOHNGELD[1]).as_bytes())
        page = login(browser, base, "admin", ADMIN_PASSWORD, viewport={"width": 1400, "height": 1000})
        page.goto(f"{base}/admin/kanaele")
        assert_accessible(page)
        page.click("text=Postfach hinzufügen")
        page.fill("#name", "wohngeld")
        page.fill("#address", "wohngeld@stadt-oldenburg.de")
        page.fill("#host", "127.0.0.1")
        page.fill("#port", str(imap.port))
        page.select_option("#security", "none")
        page.fill("#user", "wohngeld")
        page.fill("#password", PASSWORD)
        page.select_option("#queue_hint", "wohngeld")
        page.click("button[value=testen]")
        result = page.inner_text("#test-result")
        assert "Verbindungstest erfolgreich" in result and "mit 1 Nachricht" in result
        assert page.locator("#security-warning").is_visible()  # no TLS: a visible warning
        assert page.input_value("#password") == ""  # never sent back: typed again to save
        assert_accessible(page)
        page.fill("#password", PASSWORD)
        page.click("button[value=speichern]")
        page.wait_for_selector("text=Postfach wohngeld gespeichert (aktiv)")
        assert "unverschlüsselt" in page.inner_text("table.list")
        # The running intake reads the new mailbox without a restart: the mail becomes an item
        runner.wait_until(lambda items: any(i["subject"] == "Wohngeld über das Postfach"
                                            for i in items), timeout=180)
        assert imap.uids("wohngeld") == []
        page.goto(f"{base}/admin/protokoll")
        log = page.inner_text("main")
        assert "Postfach-Verbindung getestet" in log and "Postfach angelegt" in log
        for path in ("/admin/kanaele/scanordner", "/admin/zustaendigkeiten/wohngeld", "/admin/kanaele/fitconnect"):
            page.goto(base + path)
            assert_accessible(page)
        page.context.close()
