"""A new office, added in the console of a running `eingang serve` in a real browser, works
end to end without code: a routing rule names it, the classifier reaches it through the
keywords entered with it (real SMTP sessions), its appointment offer goes out with its own
signature, and a staff member given access to that queue only sees its items and nothing else.
Runs on both Kommune profiles."""

from __future__ import annotations

import email
import email.policy
import smtplib

import pytest

from tests.browser import assert_accessible, login, served, wait_for
from tests.kommunen import ALL, KOMMUNEN
from tests.mails import citizen_mail, wohngeld

pytestmark = pytest.mark.slow
ADMIN_PASSWORD = "Admin-Passwort-e2e-2"
STAFF_PASSWORD = "Mitarbeiter-e2e-2"
RULE = ("  - name: bahnhofsmission\n"
        "    description: Von der Bahnhofsmission geschickt – Wohnungslosenhilfe\n"
        "    when: {words: [bahnhofsmission]}\n"
        "    then: {queue: wohnungslosenhilfe, stop: true}\n\n")


@pytest.fixture(scope="module", params=ALL)
def server(request, tmp_path_factory, templates):  # type: ignore[no-untyped-def]
    kommune = KOMMUNEN[request.param]
    tmp = tmp_path_factory.mktemp(f"office-{kommune.profile}")
    with served(tmp, {"EINGANG_ADMIN_PASSWORD": ADMIN_PASSWORD,
                      "EINGANG_KOMMUNE_PROFILE": kommune.profile},
                templates.sqlite(kommune.profile)) as (runner, base, smtp):
        # A Fachamt colleague without any queue yet: the console gives him the new one.
        runner.run("users", "add", "wolf", "--role", "fachamt", "--name", "Wolf Hilfe",
                   "--password", STAFF_PASSWORD)
        yield runner, base, smtp, kommune, tmp / "data"


def test_an_office_added_in_the_console_works_end_to_end(server, browser):
    runner, base, smtp, kommune, data_dir = server
    admin = login(browser, base, "admin", ADMIN_PASSWORD, viewport={"width": 1400, "height": 1000})

    # The admin adds the office: no code, no restart.
    admin.goto(f"{base}/admin/zustaendigkeiten")
    assert "wohnungslosenhilfe" not in admin.inner_text("table.list")
    admin.fill("#key", "wohnungslosenhilfe")
    admin.fill("#name", "Wohnungslosenhilfe")
    admin.fill("#rechtskreis", "SGB XII §§ 67 ff.")
    admin.select_option("#leistungsform", "sozialintegrativ")
    admin.fill("#retention_days", "120")
    admin.select_option("#retention_basis", "sensitive")
    admin.fill("#signature", f"Ihre Wohnungslosenhilfe\n{kommune.name}")
    admin.fill("#keywords", "Notschlafstelle\nPostadresse\nTagesaufenthalt")
    admin.fill("#examples", "Ich habe keine Wohnung mehr und schlafe bei Freunden")
    admin.click("form[action='/admin/zustaendigkeiten'] button[type=submit]")
    admin.wait_for_selector("text=Zuständigkeit wohnungslosenhilfe gespeichert.")
    row = admin.locator("table.list tr", has_text="wohnungslosenhilfe").inner_text()
    assert "Wohnungslosenhilfe" in row and "120 Tage" in row
    assert_accessible(admin)

    # A rule names it: edited, simulated and activated like every rule.
    admin.goto(f"{base}/admin/regeln")
    source = admin.input_value("#source")
    admin.fill("#source", source.replace("rules:\n", "rules:\n" + RULE, 1))
    admin.fill("#comment", "Bahnhofsmission an die Wohnungslosenhilfe")
    admin.click("form[action='/admin/regeln/entwurf'] button")
    admin.wait_for_selector("text=Simulation: Entwurf v1")
    admin.fill("#reason", "Neue Zuständigkeit")
    admin.click("form[action$='/aktivieren'] button")
    admin.wait_for_selector("text=Regelwerk v1 ist aktiv.")

    # Three citizens write (real SMTP sessions): one by the rule, one by the office's keywords,
    # one for another office.
    by_rule = citizen_mail("Die Bahnhofsmission schickt mich",
                           "Guten Tag, die Bahnhofsmission hat mich an Sie verwiesen. Ich suche Hilfe.\n"
                           f"Tom Weber, {kommune.place}", sender="tom.weber@example.org")
    by_keyword = citizen_mail("Platz zum Schlafen",
                              "Hallo, ich brauche für die nächsten Nächte einen Platz in der "
                              "Notschlafstelle und eine Postadresse, damit meine Briefe ankommen.\n"
                              f"Lea Kurz, {kommune.place}", sender="lea.kurz@example.org")
    with smtplib.SMTP("127.0.0.1", smtp, timeout=30) as client:
        for mail in (by_rule, by_keyword, citizen_mail(*wohngeld(kommune))):
            client.send_message(mail)
    items = runner.wait_until(lambda items: len(items) == 3 and all(i["status"] == "routed" for i in items),
                              timeout=240)
    queues = {i["subject"]: i["queue"] for i in items}
    assert queues == {"Die Bahnhofsmission schickt mich": "wohnungslosenhilfe",
                      "Platz zum Schlafen": "wohnungslosenhilfe", "Antrag auf Wohngeld": "wohngeld"}
    keyword_item = next(i for i in items if i["subject"] == "Platz zum Schlafen")
    other = next(i for i in items if i["queue"] == "wohngeld")
    shown = runner.run("show", str(keyword_item["id"])).stdout
    assert "Stichwort „Notschlafstelle“ spricht für Wohnungslosenhilfe" in shown

    # Its follow-up: sozialintegrativ means an appointment offer, signed by the office.
    def offers() -> list[str]:
        mails = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                 for p in (data_dir / "mail-out").glob("*.eml")]
        return [m["Subject"] for m in mails if m["Subject"].startswith("Terminangebot")
                and "Ihre Wohnungslosenhilfe" in m.get_body(("plain",)).get_content()]

    runner.wait_until(lambda _: len(offers()) == 2, timeout=120)

    # The admin gives Wolf the new queue on the queue's own page.
    admin.goto(f"{base}/admin/zustaendigkeiten/wohnungslosenhilfe")
    admin.check("input[name=users][value=wolf]")
    admin.click("form[action$='/zugriff'] button")
    admin.wait_for_selector("text=Zugriff auf wohnungslosenhilfe gespeichert (neu: wolf).")
    assert_accessible(admin)
    admin.context.close()

    # Wolf sees exactly the two items of his queue, and nothing else.
    wolf = login(browser, base, "wolf", STAFF_PASSWORD, viewport={"width": 1400, "height": 900})
    wait_for(wolf, f"{base}/inbox", "Platz zum Schlafen")
    rows = wolf.locator("#rows tr").all_inner_texts()
    assert len(rows) == 2
    assert all(any(subject in r for r in rows)
               for subject in ("Platz zum Schlafen", "Die Bahnhofsmission schickt mich"))
    assert "Antrag auf Wohngeld" not in wolf.content()
    assert wolf.goto(f"{base}/items/{other['id']}").status in (403, 404)
    assert wolf.goto(f"{base}/items/{keyword_item['id']}").status == 200
    assert "Notschlafstelle" in wolf.content()
    wolf.context.close()
