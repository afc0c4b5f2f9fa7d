"""The Steuerung dashboard in a real browser (Debian's chromium) against `eingang serve`:
the charts load as images under the strict CSP, axe-core finds no WCAG 2.1 AA violation,
and the screenshot for the README is taken."""

from __future__ import annotations

import smtplib

import pytest

from tests.browser import CHROMIUM, CHROMIUM_ARGS, axe_violations, screenshot
from tests.mails import WOHNGELD, citizen_mail
from tests.services import Eingang, free_port, wait_for_port

pytestmark = pytest.mark.slow
PASSWORD = "Leitung-Passwort-e2e-1"
MAILS = [
    WOHNGELD,
    ("Stromsperre angekündigt", "Die EWE sperrt am Freitag den Strom. Ich beziehe Bürgergeld, "
     "BG-Nummer 26102BG0041877.\nJana Köhler, 26122 Oldenburg"),
    ("Grundsicherung für meine Mutter", "Meine Mutter (78) bekommt nur eine kleine Rente. Wie "
     "beantragen wir Grundsicherung im Alter?\nKlaus Berger, 26131 Oldenburg"),
    ("Schulden", "Ich habe Schulden bei mehreren Inkassobüros und brauche eine Schuldnerberatung.\n"
     "Eva Schmidt, 26123 Oldenburg"),
]


def test_dashboard_in_the_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    runner = Eingang({"EINGANG_DATA_DIR": str(tmp_path / "data"), "EINGANG_ADMIN_PASSWORD": PASSWORD,
                      "EINGANG_SCAN_POLL_SECONDS": "3600"})
    runner.run("db", "upgrade")
    web, smtp = free_port(), free_port()
    runner.start("serve", "--port", str(web), "--smtp-port", str(smtp), log=tmp_path / "serve.log")
    try:
        wait_for_port(web, 60)
        wait_for_port(smtp, 60)
        runner.run("users", "add", "lea", "--role", "leitung", "--name", "Lea Leitung",
                   "--password", PASSWORD)
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
            for subject, body in MAILS:
                client.send_message(citizen_mail(subject, body))
        runner.wait_until(lambda items: len(items) >= len(MAILS)
                          and all(i["status"] == "routed" for i in items), timeout=180)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--lang=de-DE"])
            ctx = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin",
                                      viewport={"width": 1400, "height": 1000})
            page = ctx.new_page()
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"http://127.0.0.1:{web}/login")
            page.fill("#username", "lea")
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/steuerung")  # the Leitung lands on its dashboard
            page.wait_for_load_state("networkidle")
            images = page.eval_on_selector_all(
                "img", "imgs => imgs.map(i => [i.getAttribute('src'), i.complete && i.naturalWidth > 0])")
            assert len(images) == 5 and all(ok for _, ok in images), images
            assert page.locator("table caption", has_text="Eingänge je Kanal").count() == 1
            inflow = page.locator("#tabelle-zufluss tbody tr").last.inner_text()
            assert inflow.split()[-1] == str(len(MAILS)), inflow  # today's row: every mail
            assert not refused, refused
            violations = axe_violations(page)
            assert not violations, violations
            screenshot(page, "steering")
            page.select_option("#f-einheit", "monat")
            page.click("form.steering-filters button[type=submit]")
            page.wait_for_load_state("networkidle")
            assert "einheit=monat" in page.url and not axe_violations(page)
            browser.close()
    finally:
        runner.stop_all()
