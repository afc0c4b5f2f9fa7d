"""The admin console as admins use it (issue #14): rollback only where there is something to
go back to, a broken rule set keeps the admin's edits, versions can be compared, the
simulation counts a changed citizen text and speaks in names, schedules and the audit log
in German with pages."""

from __future__ import annotations

import pytest

from store.settings import get_settings
from tests.web import add_item, client_for, create_users, post_form


@pytest.fixture
def web(settings):  # type: ignore[no-untyped-def]
    create_users()
    return settings


def _draft(client, source: str, comment: str) -> int:  # type: ignore[no-untyped-def]
    resp = post_form(client, "/admin/regeln", "/admin/regeln/entwurf", {"source": source, "comment": comment})
    assert resp.status_code == 303, resp.text
    return int(resp.headers["location"].split("/")[3])


def test_rollback_is_offered_only_when_an_earlier_version_was_active(web):
    from routing import default_rules_text

    client = client_for("chef")
    first = _draft(client, default_rules_text(), "erste")
    post_form(client, "/admin/regeln", f"/admin/regeln/{first}/aktivieren", {"reason": "Start"})
    assert "Zur vorherigen Version zurückkehren" not in client.get("/admin/regeln").text
    second = _draft(client, default_rules_text().replace("Standardregeln", "Regeln Dezember"), "zweite")
    post_form(client, "/admin/regeln", f"/admin/regeln/{second}/aktivieren", {"reason": "Dezember"})
    page = client.get("/admin/regeln").text
    assert "Zur vorherigen Version zurückkehren" in page
    diff = client.get(f"/admin/regeln/diff?a={first}&b={second}")
    assert diff.status_code == 200
    assert '<span class="del">-name: Standardregeln</span>' in diff.text
    assert '<span class="add">+name: Regeln Dezember</span>' in diff.text


def test_a_broken_rule_set_keeps_the_admins_edits(web):
    client = client_for("chef")
    source = "rules:\n  - name: meine_lange_regel\n    when: {words: [miete\n"
    resp = post_form(client, "/admin/regeln", "/admin/regeln/entwurf", {"source": source, "comment": "mein Kommentar"})
    assert resp.status_code == 422 and "Regelwerk nicht übernommen" in resp.text
    assert "meine_lange_regel" in resp.text and 'value="mein Kommentar"' in resp.text


def test_the_simulation_counts_a_changed_citizen_text():
    from routing import Router
    from routing.simulate import simulate
    from tests.test_routing_rules import CONFIG, make_input

    rule = "rules:\n  - {name: verweis, when: {}, then: {follow_up: refer, referral_to: Familienkasse, text: %s, stop: true}}\n"
    before, after = (Router.from_yaml(rule % text, CONFIG) for text in ("Alt.", "Neu."))
    report = simulate([(1, "EIN-1", make_input())], before, after)
    assert len(report.changes) == 1
    assert (report.changes[0].before_text, report.changes[0].after_text) == ("Alt.", "Neu.")


def test_simulation_names_offices_not_codes(web):
    from routing import default_rules_text

    add_item("Wohngeld", "Mietzuschuss", "wohngeld")
    client = client_for("chef")
    version = _draft(client, default_rules_text(), "gleich")
    page = client.get(f"/admin/regeln/{version}/simulation").text
    assert "clearing (clearing)" not in page and "<td>clearing</td>" not in page
    assert "Clearing-Stelle" in page


def test_schedules_name_weekdays_in_german(web):
    from datetime import date, timedelta

    from store.appointments import ensure_slots
    from store.db import session_scope

    # Next week's Wednesday: a fixed date (or today's) has no slots left to show once its hours have passed
    wednesday = date.today() + timedelta(days=7 + (2 - date.today().weekday()) % 7)
    with session_scope(get_settings()) as session:
        ensure_slots(session, "schuldnerberatung", wednesday, 14)
    page = client_for("chef").get("/admin/termine?queue=schuldnerberatung").text
    assert f"Mi {wednesday:%d.%m.%Y}" in page
    for english in ("Mon ", "Tue ", "Wed ", "Thu ", "Fri "):
        assert english not in page


def test_the_audit_log_is_german_and_has_pages(web):
    from store import audit
    from store.db import session_scope

    with session_scope(get_settings()) as session:
        for n in range(130):
            audit.append(session, "config.rules_activated", actor="web:chef", version=n)
    client = client_for("pruefer")
    first = client.get("/admin/protokoll").text
    assert "Regelwerk aktiviert" in first and "config.rules_activated" not in first
    assert first.count("<tr><td>") == 100
    assert "Ältere Einträge" in first
    link = next(part.split('"')[0] for part in first.split('href="') if "vor=" in part.split('"')[0])
    second = client.get(link.replace("&amp;", "&")).text
    assert second.count("<tr><td>") >= 30 and "Neueste Einträge" in second


def test_a_draft_naming_what_the_catalogue_lacks_is_saved_with_hints(web):
    """A typo in an intent or office key is no error (the rule set runs), but the simulation
    page says which values can never match; a known key gives no hint."""
    client = client_for("chef")
    source = ("rules:\n"
              "  - name: weiterbewilligung_vorziehen\n"
              "    when: {any: [{intent: weiterbewiligung}, {channel: [email, fax]}], not: {current_queue: jobcentr}}\n"
              "    then: {queue: jobcenter}\n"
              "  - name: wohngeld_antrag\n"
              "    when: {intent: antrag, classifier_queue: wohngeld}\n"
              "    then: {queue: wohngeld}\n")
    version = _draft(client, source, "Tippfehler")
    page = client.get(f"/admin/regeln/{version}/simulation").text
    assert "Hinweise zum Entwurf" in page
    assert "Regel „weiterbewilligung_vorziehen“: Anliegen „weiterbewiligung“" in page
    assert "Eingangskanal „fax“" in page and "Stelle „jobcentr“" in page
    assert "„email“" not in page and "wohngeld_antrag“:" not in page
    from routing import default_rules_text

    clean = _draft(client, default_rules_text(), "Standard")
    assert "Hinweise zum Entwurf" not in client.get(f"/admin/regeln/{clean}/simulation").text
