"""The Steuerung dashboard in a real browser (Debian's chromium) against `eingang serve`:
the charts load as images under the strict CSP, axe-core finds no WCAG 2.1 AA violation,
and the screenshot for the README is taken."""

from __future__ import annotations

import smtplib

import pytest

from tests.browser import axe_violations, chromium, new_page, screenshot, served
from tests.mails import WOHNGELD, citizen_mail

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


def test_dashboard_in_the_browser(tmp_path, templates):
    with served(tmp_path, {"EINGANG_ADMIN_PASSWORD": PASSWORD},
                templates.sqlite("oldenburg")) as (runner, base, smtp):
        runner.run("users", "add", "lea", "--role", "leitung", "--name", "Lea Leitung",
                   "--password", PASSWORD)
        with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
            for subject, body in MAILS:
                client.send_message(citizen_mail(subject, body))
        runner.wait_until(lambda items: len(items) >= len(MAILS)
                          and all(i["status"] == "routed" for i in items), timeout=180)
        with chromium() as browser:
            page = new_page(browser, viewport={"width": 1400, "height": 1000})
            refused: list[str] = []
            page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
            page.goto(f"{base}/login")
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
