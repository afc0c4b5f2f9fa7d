"""Web app with FastAPI's TestClient on the embedded database: login and roles, the inbox,
item actions, the public form, the API, phone notes, the mailroom and the admin console."""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import func, select

from store.blobs import blob_store
from store.settings import get_settings
from tests.kommunen import ALL
from tests.services import settle
from tests.web import PASSWORD, add_item, client_for, create_users, csrf_of, post_form

KOMMUNE_PROFILES = ALL  # each test once per Kommune profile


@pytest.fixture
def web(settings):  # type: ignore[no-untyped-def]
    create_users()
    return settings


# --- login, sessions, CSRF -------------------------------------------------------------


def test_pages_need_login_and_redirect_back_only_locally(web):
    client = client_for()
    resp = client.get("/inbox?queue=jobcenter")
    assert resp.status_code == 303
    assert resp.headers["location"] == "/login?next=/inbox%3Fqueue%3Djobcenter"
    assert client.get("/api/v1/items").status_code == 401
    # An open redirect after login is refused: the next parameter stays on this site.
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": "es", "password": PASSWORD,
                                       "next": "//evil.example/x", "csrf_token": token})
    assert resp.status_code == 303 and resp.headers["location"] == "/inbox"


def test_wrong_password_is_refused_and_audited(web):
    from store.db import session_scope
    from store.models import Event

    client = client_for()
    token = csrf_of(client.get("/login").text)
    resp = client.post("/login", data={"username": "es", "password": "falsch-falsch", "csrf_token": token})
    assert resp.status_code == 401 and "falsch" in resp.text
    assert client.get("/inbox").status_code == 303
    with session_scope(get_settings()) as session:
        kinds = session.scalars(select(Event.kind)).all()
    assert "login_failed" in kinds


def test_session_cookie_is_httponly_and_samesite(web):
    client = client_for()
    resp = client.get("/login")
    cookie = resp.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie


def test_state_changing_requests_need_the_csrf_token(web):
    item = add_item("Wohngeld", "Antrag auf Wohngeld", "wohngeld")
    client = client_for("es")
    resp = client.post(f"/items/{item}/notiz", data={"text": "ohne Token"})
    assert resp.status_code == 403
    resp = client.post(f"/items/{item}/notiz", data={"text": "x", "csrf_token": "falsch"})
    assert resp.status_code == 403


def test_logout_ends_the_session(web):
    client = client_for("es")
    assert client.get("/inbox").status_code == 200
    post_form(client, "/inbox", "/logout", {})
    assert client.get("/inbox").status_code == 303


# --- visibility per queue ----------------------------------------------------------------


def test_fachamt_sees_only_its_queue_in_list_search_counts_page_and_api(web):
    jc = add_item("Weiterbewilligung Bürgergeld", "BG-Nummer 26102BG0041877", "jobcenter")
    sa = add_item("Grundsicherung im Alter", "Rente reicht nicht", "sozialamt")
    client = client_for("sozial")
    inbox = client.get("/inbox").text
    # (the whole subject: "Weiterbewilligung" alone is an intent in the inbox's filter)
    assert "Grundsicherung im Alter" in inbox and "Weiterbewilligung Bürgergeld" not in inbox
    assert "Weiterbewilligung Bürgergeld" not in client.get("/inbox?q=Bürgergeld").text
    counts = client.get("/inbox/counts").text
    assert "Jobcenter" not in counts
    assert client.get(f"/items/{jc}").status_code == 404
    assert client.get(f"/items/{sa}").status_code == 200
    assert client.get(f"/api/v1/items/{jc}").status_code == 404
    assert [i["id"] for i in client.get("/api/v1/items").json()["items"]] == [sa]
    assert client.get(f"/items/{jc}/dokumente/1").status_code == 404
    # Eingangsservice sees both.
    assert {i["id"] for i in client_for("es").get("/api/v1/items").json()["items"]} == {jc, sa}


def test_admin_without_queue_sees_no_item_content_and_auditor_no_inbox(web):
    item = add_item("Wohngeld", "Antrag", "wohngeld")
    assert client_for("chef").get(f"/items/{item}").status_code == 404
    assert client_for("pruefer").get("/inbox").status_code == 403
    assert client_for("pruefer").get("/admin/protokoll").status_code == 200
    assert client_for("es").get("/admin/regeln").status_code == 403
    assert client_for("jc").get("/post").status_code == 403


# --- inbox -------------------------------------------------------------------------------


def test_inbox_lists_urgent_first_then_newest_and_pages_by_keyset(web):
    for n in range(55):
        add_item(f"Anfrage Nummer {n}", "Text", "wohngeld", minutes_ago=100 - n)
    add_item("Stromsperre droht morgen", "Notlage", "jobcenter", urgent=True, minutes_ago=500)
    client = client_for("es")
    page = client.get("/inbox").text
    assert page.index("Stromsperre") < page.index("Anfrage Nummer 54") < page.index("Anfrage Nummer 53")
    assert "Anfrage Nummer 5<" not in page  # only 50 rows on the first page
    import re

    next_link = re.search(r'href="(/inbox\?[^"]*nach=[^"]+)"', page).group(1).replace("&amp;", "&")
    second = client.get(next_link).text
    assert "Anfrage Nummer 4<" in second and "Stromsperre" not in second


def test_inbox_filters_and_full_text_search(web):
    add_item("Mietzuschuss", "Ich beantrage Wohngeld für meine Wohnung", "wohngeld")
    add_item("Pfändung", "Mein Konto ist gepfändet", "schuldnerberatung", urgent=True)
    add_item("Erledigt", "alter Vorgang", "wohngeld", status="done")
    client = client_for("es")
    assert "Pfändung" not in client.get("/inbox?queue=wohngeld").text
    assert "Mietzuschuss" not in client.get("/inbox?urgent=1").text
    text = client.get("/inbox?q=gepfändet").text
    assert "Pfändung" in text and "Mietzuschuss" not in text
    assert "Erledigt" not in client.get("/inbox").text  # open items by default
    assert "Erledigt" in client.get("/inbox?status=done").text
    rows = client.get("/inbox/rows").text
    assert "<tr" in rows and "<html" not in rows  # the fragment htmx polls


# --- item page and actions -----------------------------------------------------------------


def test_reroute_needs_a_reason_and_teaches_the_classifier(web):
    from store.db import session_scope
    from store.models import Event, Item, TrainingExample

    item = add_item("Frage zur Miete", "Kann ich Wohngeld bekommen?", "jobcenter")
    client = client_for("es")
    resp = post_form(client, f"/items/{item}", f"/items/{item}/umleiten", {"queue": "wohngeld", "reason": ""})
    assert "Grund" in client.get(resp.headers["location"]).text
    resp = post_form(client, f"/items/{item}", f"/items/{item}/umleiten",
                     {"queue": "wohngeld", "reason": "Wohngeld, kein SGB II"})
    page = client.get(resp.headers["location"]).text
    assert "Umgeleitet von jobcenter an wohngeld" in page
    with session_scope(get_settings()) as session:
        assert session.get(Item, item).queue == "wohngeld"
        example = session.scalars(select(TrainingExample)).one()
        assert (example.queue, example.source, example.created_by) == ("wohngeld", "reroute", "es")
        assert session.scalar(select(func.count()).select_from(Event).where(
            Event.item_id == item, Event.kind == "viewed")) >= 1


def test_item_page_shows_the_manual_decision_in_force_and_the_rules_as_superseded(web, kommune):
    import re

    from store.db import session_scope
    from store.models import Item

    # Given an item the rules sent to the Jobcenter for automatic processing
    item = add_item("Frage zur Miete", "Kann ich Wohngeld bekommen?", "jobcenter")
    with session_scope(get_settings()) as session:
        session.get(Item, item).decision = {
            "queue": "jobcenter", "action": "auto_process", "rule_set": 3,
            "explanation": ["Regel „sgb2_bezug“: Bürgergeld erwähnt → jobcenter"]}
    client = client_for("es")
    page = client.get(f"/items/{item}").text
    jobcenter = re.escape(kommune.jobcenter_title)
    assert re.search(rf"<strong>Regeln:</strong>\s*{jobcenter}, Folgeschritt automatische Bearbeitung", page)
    assert "Gilt jetzt" not in page

    # When a person re-routes it with a reason
    resp = post_form(client, f"/items/{item}", f"/items/{item}/umleiten",
                     {"queue": "wohngeld", "reason": "Wohngeld, kein SGB II"})
    page = client.get(resp.headers["location"]).text

    # Then the page says what holds now, by whom and why, and marks the rule result as replaced
    decision = page[page.index('id="h-decision"'):page.index('id="h-actions"')]
    assert re.search(r"Gilt jetzt: Wohngeldstelle</strong> – von Hand umgeleitet durch es am \d\d\.\d\d\.\d{4}", decision)
    assert "Grund: Wohngeld, kein SGB II" in decision
    assert re.search(r'class="superseded">\s*<p><strong>Regeln \(ersetzt durch die Umleitung\):</strong>\s*'
                     rf"{jobcenter}, Folgeschritt automatische Bearbeitung", decision)
    assert "sgb2_bezug" in decision  # the rules' explanation stays readable


def test_item_page_names_the_clearing_decision_and_its_author(web):
    from services.clearing import decide

    item = add_item("Unklar", "Ich bekomme Kindergeld.", "clearing")
    decide(get_settings(), item, "extern", "web:es", referral_to="Familienkasse", note="Kindergeld")
    page = client_for("es").get(f"/items/{item}").text
    assert "<strong>Entscheidung der Clearing-Stelle:</strong>" in page and "Folgeschritt Verweisung – durch web:es am" in page
    assert "<strong>Regeln:</strong>" not in page


def test_relabel_assign_note_done_merge(web):
    from store.db import session_scope
    from store.models import Item

    a = add_item("Widerspruch", "gegen den Bescheid", "jobcenter")
    b = add_item("Widerspruch (nochmal)", "gegen den Bescheid", "jobcenter")
    client = client_for("es")
    post_form(client, f"/items/{a}", f"/items/{a}/einordnen", {"intent": "widerspruch", "urgent": "1"})
    post_form(client, f"/items/{a}", f"/items/{a}/zuweisen", {"assignee": "jc"})
    post_form(client, f"/items/{a}", f"/items/{a}/notiz", {"text": "Rückruf vereinbart"})
    with session_scope(get_settings()) as session:
        ref_a = session.get(Item, a).reference
    post_form(client, f"/items/{b}", f"/items/{b}/zusammenfuehren", {"into": ref_a})
    post_form(client, f"/items/{a}", f"/items/{a}/erledigt", {"reason": "beantwortet"})
    with session_scope(get_settings()) as session:
        item_a, item_b = session.get(Item, a), session.get(Item, b)
        assert (item_a.intent, item_a.urgent, item_a.assigned_to, item_a.status) == (
            "widerspruch", True, "jc", "done")
        assert item_b.status == "done" and item_b.thread_id == a
        assert len(item_a.documents) == 2
    page = client.get(f"/items/{a}").text
    for text in ("Rückruf vereinbart", "Zugewiesen an jc", "Dublette", "Als erledigt markiert"):
        assert text in page
    assert "Widerspruch" in client_for("jc").get("/inbox?mine=1&status=").text


def test_an_urgency_the_model_only_guessed_is_shown_apart_and_a_person_settles_it(web):
    from store.db import session_scope
    from store.models import Event, Item

    guessed = add_item("Kühlschrank", "Der Kühlschrank ist kaputt, der Monat ist noch lang.", "jobcenter", urgent=True)
    add_item("Stromsperre", "Morgen wird der Strom gesperrt.", "jobcenter", urgent=True)
    with session_scope(get_settings()) as session:
        session.get(Item, guessed).urgent_guessed = True
    client = client_for("es")
    inbox = client.get("/inbox").text
    assert inbox.count("vielleicht dringend</span>") == 1 and 'class="badge urgent-badge">dringend' in inbox
    maybe = client.get("/inbox?urgent=vielleicht").text
    assert "Kühlschrank" in maybe and "Stromsperre" not in maybe
    sure = client.get("/inbox?urgent=sicher").text
    assert "Stromsperre" in sure and "Kühlschrank" not in sure
    page = client.get(f"/items/{guessed}").text
    assert "Vom Modell aus dem Zusammenhang vermutet" in page
    assert '<option value="" selected>vielleicht dringend (unverändert)</option>' in page
    post_form(client, f"/items/{guessed}", f"/items/{guessed}/einordnen", {"intent": "antrag", "urgent": "1"})
    with session_scope(get_settings()) as session:
        item = session.get(Item, guessed)
        assert (item.urgent, item.urgent_guessed) == (True, False)
        said = session.scalars(select(Event.message).where(Event.item_id == guessed, Event.kind == "relabeled")).one()
    assert said.startswith("Dringlichkeit bestätigt")
    assert "Kühlschrank" in client.get("/inbox?urgent=sicher").text


def test_bulk_reroute(web):
    from store.db import session_scope
    from store.models import Item

    ids = [add_item(f"Anfrage {n}", "Text", "clearing") for n in range(3)]
    client = client_for("es")
    token = csrf_of(client.get("/inbox").text)
    resp = client.post("/inbox/bulk", data={"ids": ids, "operation": "reroute", "queue": "sozialamt",
                                            "reason": "Sammelkorrektur", "csrf_token": token})
    assert "3 Vorg" in client.get(resp.headers["location"]).text
    with session_scope(get_settings()) as session:
        assert {session.get(Item, i).queue for i in ids} == {"sozialamt"}


def test_email_html_is_sanitised_and_iban_masked(web):
    from email.message import EmailMessage

    from store.db import session_scope
    from store.enums import Channel
    from store.intake import Incoming, store_incoming

    msg = EmailMessage()
    msg["Subject"] = "Kontoänderung"
    msg["From"] = "a@example.org"
    msg.set_content("neue Bankverbindung")
    msg.add_alternative('<p onclick="alert(1)">Neue IBAN</p><script>alert(2)</script>', subtype="html")
    from datetime import UTC, datetime

    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(Channel.EMAIL, msg.as_bytes(), "message/rfc822",
                                                   datetime.now(UTC), subject="Kontoänderung"), blob_store(get_settings()))
        item.queue, item.facts = "jobcenter", {"iban": ["DE89370400440532013000"]}
        item_id = item.id
    page = client_for("es").get(f"/items/{item_id}").text
    assert "Neue IBAN" in page and "onclick" not in page and "alert(2)" not in page
    assert "DE89370400440532013000" not in page and "DE89 **** **** **** **30 00" in page
    assert client_for("es").get(f"/api/v1/items/{item_id}").json()["facts"]["iban"] == ["DE89 **** **** **** **30 00"]
    resp = client_for("es").get(f"/items/{item_id}/dokumente/1")
    assert resp.headers["content-disposition"].startswith("attachment")
    assert resp.headers["x-content-type-options"] == "nosniff"


# --- public form, API, phone ------------------------------------------------------------


def test_public_form_guides_and_gives_a_reference(web, pipeline, kommune):
    from store.db import session_scope
    from store.models import Item

    client = client_for()
    assert client.get("/anliegen/weiter?age=30").status_code == 422  # topic missing
    step2 = client.get(f"/anliegen/weiter?who=ich&age=34&work=ja&topic=lebensunterhalt&postcode={kommune.postcode}")
    assert "Jobcenter" in step2.text and "digitalen Antrag" in step2.text
    assert "Sozialamt" in client.get(f"/anliegen/weiter?age=70&work=nein&topic=lebensunterhalt&postcode={kommune.postcode}").text
    assert f"nicht zu {kommune.name}" in client.get(f"/anliegen/weiter?topic=wohngeld&postcode={kommune.outside_postcode}").text
    resp = client.post("/anliegen", data={
        "csrf_token": csrf_of(step2.text), "topic": "lebensunterhalt", "age": "34", "work": "ja",
        "postcode": kommune.postcode, "who": "ich", "name": "Erika Muster", "email": "erika@example.org",
        "text": "Ich habe meine Arbeit verloren und brauche Bürgergeld.",
    }, files={"files": ("kuendigung.txt", b"Kuendigung zum 31.", "text/plain")})
    assert resp.status_code == 201
    import re

    reference = re.search(r"EIN-\d{4}-\d{6}", resp.text).group(0)
    settle(pipeline)
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item).where(Item.reference == reference)).one()
        assert item.channel == "webform" and item.sender == "erika@example.org"
        assert item.status == "routed" and item.queue == "jobcenter"
        assert "Bürgergeld" in item.text and item.contact["postcode"] == kommune.postcode


def test_public_form_honeypot_size_and_rate_limit(web, monkeypatch):
    from store.db import session_scope
    from store.models import Item

    # Every post counts, refused ones and the honeypot too: the rate is checked before parsing
    monkeypatch.setattr(web, "form_rate_limit", 5)
    client = client_for()
    token = csrf_of(client.get("/anliegen/weiter?topic=schulden").text)
    base = {"csrf_token": token, "topic": "schulden", "text": "Ich habe Schulden."}
    assert client.post("/anliegen", data={**base, "homepage": "http://spam"}).status_code == 200
    with session_scope(get_settings()) as session:
        assert session.scalar(select(func.count()).select_from(Item)) == 0
    assert client.post("/anliegen", data={**base, "text": ""}).status_code == 422
    big = b"x" * (web.form_max_bytes + 10)
    assert client.post("/anliegen", data=base, files={"files": ("gross.pdf", big, "application/pdf")}).status_code == 422
    assert client.post("/anliegen", data=base).status_code == 201
    assert client.post("/anliegen", data=base).status_code == 201
    assert client.post("/anliegen", data=base).status_code == 429


def test_api_submission_and_openapi(web, kommune):
    client = client_for()
    spec = client.get("/api/v1/openapi.json").json()
    assert "/submissions" in spec["paths"]
    resp = client.post("/api/v1/submissions", json={
        "text": "Ich bitte um einen Termin bei der Schuldnerberatung.", "topic": "schulden",
        "postcode": kommune.postcode, "email": "a@example.org",
        "attachments": [{"filename": "brief.txt", "media_type": "text/plain",
                         "content_base64": base64.b64encode(b"Mahnung").decode()}]})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["reference"].startswith("EIN-") and body["suggested_office"] == "schuldnerberatung"
    assert client.post("/api/v1/submissions", json={"text": ""}).status_code == 422


def test_phone_note_keeps_the_time_of_the_call(web):
    from datetime import datetime, timedelta

    from admin.templating import LOCAL
    from store.db import session_scope
    from store.models import Item

    client = client_for("es")
    called = (datetime.now(LOCAL) - timedelta(hours=2)).replace(second=0, microsecond=0)
    resp = post_form(client, "/telefon", "/telefon", {
        "caller": "Herr Meier", "phone": "0441 123456", "identifiers": "123D456789",
        "text": "Fragt nach dem Stand seines Weiterbewilligungsantrags.",
        "called_at": called.strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 303
    assert "angelegt" in client.get(resp.headers["location"]).text
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item)).one()
        assert item.channel == "phone" and item.received_at == called
        assert item.contact["phone"] == "0441 123456"
    future = (datetime.now(LOCAL) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert post_form(client, "/telefon", "/telefon", {"text": "x", "called_at": future}).status_code == 422


# --- mailroom and admin console ------------------------------------------------------------


def test_mailroom_upload_creates_a_batch(web):
    from store.db import session_scope
    from store.models import Batch

    client = client_for("post")
    token = csrf_of(client.get("/post").text)
    resp = client.post("/post/upload", data={"csrf_token": token, "kind": "batch", "received_on": "2026-11-02"},
                       files={"file": ("stapel.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
    assert resp.status_code == 303
    with session_scope(get_settings()) as session:
        batch = session.scalars(select(Batch)).one()
        assert batch.received_at.date().isoformat() == "2026-11-02"
    assert f"/post/stapel/{batch.id}" in client.get("/post").text
    assert client.get(f"/post/stapel/{batch.id}").status_code == 200
    # Corrections wait for the split (the browser test corrects a split batch's stamp).
    page = f"/post/stapel/{batch.id}"
    resp = post_form(client, page, f"{page}/eingangsdatum", {"received_on": "2026-10-30"})
    assert "Grund" in client.get(resp.headers["location"]).text
    resp = post_form(client, page, f"{page}/eingangsdatum",
                     {"received_on": "2026-10-30", "reason": "Stempel falsch gelesen"})
    assert "nicht aufgeteilt" in client.get(resp.headers["location"]).text
    resp = post_form(client, page, f"{page}/eingangsdatum",
                     {"received_on": "30.10.", "reason": "Stempel falsch gelesen"})
    assert "Ungültiges Eingangsdatum" in client.get(resp.headers["location"]).text
    resp = post_form(client, page, f"{page}/aufteilen", {"starts": "eins, drei"})
    assert "als Zahlen" in client.get(resp.headers["location"]).text
    assert client_for("sozial").get(page).status_code == 403


def test_admin_rules_draft_simulate_activate_rollback_are_audited(web):
    from routing import default_rules_text
    from store.db import session_scope
    from store.models import Event, RuleSet

    add_item("Wohngeld", "Mietzuschuss", "wohngeld")
    client = client_for("chef")
    page = client.get("/admin/regeln").text
    assert "Standardregeln" in page
    resp = post_form(client, "/admin/regeln", "/admin/regeln/entwurf",
                     {"source": "kaputt: [", "comment": "falsch"})
    assert resp.status_code == 422 and "nicht übernommen" in resp.text  # shown with the edits kept
    for comment in ("erste", "zweite"):
        resp = post_form(client, "/admin/regeln", "/admin/regeln/entwurf",
                         {"source": default_rules_text(), "comment": comment})
        sim = client.get(resp.headers["location"])
        assert sim.status_code == 200 and "Vorgänge der letzten" in sim.text
        version = int(resp.headers["location"].split("/")[3])
        post_form(client, "/admin/regeln", f"/admin/regeln/{version}/aktivieren", {"reason": comment})
    post_form(client, "/admin/regeln", "/admin/regeln/zurueck", {})
    with session_scope(get_settings()) as session:
        states = dict(session.execute(select(RuleSet.version, RuleSet.state)).all())
        kinds = session.scalars(select(Event.kind).where(Event.item_id.is_(None))).all()
    assert states == {1: "active", 2: "retired"}
    assert kinds.count("rules_activated") == 3 and "rules_imported" in kinds


def test_admin_manages_users_and_queues(web):
    from store.db import session_scope
    from store.models import Event, Queue
    from store.users import authenticate

    client = client_for("chef")
    resp = post_form(client, "/admin/benutzer", "/admin/benutzer", {
        "new": "1", "username": "neu", "display_name": "Neue Kollegin", "password": "ein-langes-passwort",
        "roles": ["fachamt"], "queues": ["wohngeld"], "active": "1"})
    assert "gespeichert" in client.get(resp.headers["location"]).text
    post_form(client, "/admin/zustaendigkeiten", "/admin/zustaendigkeiten",
              {"key": "wohngeld", "name": "Wohngeldstelle", "retention_days": "3650", "active": "1"})
    with session_scope(get_settings()) as session:
        assert authenticate(session, "neu", "ein-langes-passwort").queues == ["wohngeld"]
        assert session.get(Queue, "wohngeld").retention_days == 3650
        kinds = session.scalars(select(Event.kind)).all()
    assert {"user_created", "queue_saved"} <= set(kinds)


def test_users_cli_and_first_admin_bootstrap(web):
    from click.testing import CliRunner

    from eingang.cli import main
    from store.db import session_scope
    from store.users import authenticate, ensure_first_admin

    runner = CliRunner()
    result = runner.invoke(main, ["users", "add", "cli-user", "--role", "clearing", "--queue", "clearing",
                                  "--password", "noch-ein-passwort"])
    assert result.exit_code == 0, result.output
    assert "cli-user" in runner.invoke(main, ["users", "list"]).output
    assert runner.invoke(main, ["users", "passwd", "cli-user", "--password", "kurz"]).exit_code != 0
    with session_scope(get_settings()) as session:
        assert authenticate(session, "cli-user", "noch-ein-passwort") is not None
        assert ensure_first_admin(session, None) is None  # users exist: nothing created


def test_reply_from_template_and_appointment_offer_go_to_the_outbox(web):
    from store.db import session_scope
    from store.models import Event, OutboxMessage

    item = add_item("Schulden", "Ich brauche einen Termin bei der Schuldnerberatung.", "schuldnerberatung")
    client = client_for("es")
    resp = post_form(client, f"/items/{item}", f"/items/{item}/antworten", {"template": "antwort", "text": ""})
    assert "Antworttext" in client.get(resp.headers["location"]).text
    post_form(client, f"/items/{item}", f"/items/{item}/antworten",
              {"template": "antwort", "text": "Wir rufen Sie morgen an."})
    resp = post_form(client, f"/items/{item}", f"/items/{item}/termin", {})
    assert "Terminangebot wird gesendet" in client.get(resp.headers["location"]).text
    with session_scope(get_settings()) as session:
        messages = session.scalars(select(OutboxMessage).where(OutboxMessage.item_id == item)
                                   .order_by(OutboxMessage.id)).all()
        kinds = session.scalars(select(Event.kind).where(Event.item_id == item)).all()
    assert [m.payload["to"] for m in messages] == ["buerger@example.org"] * 2
    assert "Wir rufen Sie morgen an." in messages[0].payload["body"]
    assert "/termin/" in messages[1].payload["body"]
    assert {"reply_planned", "appointment_offered"} <= set(kinds)


def test_admin_edits_a_template_and_an_appointment_schedule(web):
    from store.appointments import schedule_for
    from store.db import session_scope
    from worker.mail import render

    client = client_for("chef")
    assert "eingangsbestaetigung" in client.get("/admin/vorlagen").text
    resp = post_form(client, "/admin/vorlagen", "/admin/vorlagen",
                     {"name": "antwort", "source": "Betreff {{ reference }\nText"})
    assert "fehlerhaft" in client.get(resp.headers["location"]).text
    post_form(client, "/admin/vorlagen", "/admin/vorlagen",
              {"name": "antwort", "source": "Ihre Antwort [{{ reference }}]\nHallo, {{ text }}"})
    assert render(get_settings().mail, "antwort", reference="EIN-1", text="danke") == ("Ihre Antwort [EIN-1]", "Hallo, danke")
    post_form(client, "/admin/vorlagen?name=antwort", "/admin/vorlagen", {"name": "antwort", "reset": "1"})
    assert render(get_settings().mail, "antwort", reference="EIN-1", text="x")[0] == "Antwort auf Ihre Nachricht [EIN-1]"

    resp = post_form(client, "/admin/termine", "/admin/termine", {
        "queue": "schuldnerberatung", "hours": "xx=8-9", "minutes": "30", "capacity": "1", "lead_hours": "24"})
    assert "Wochentag" in client.get(resp.headers["location"]).text
    post_form(client, "/admin/termine", "/admin/termine", {
        "queue": "schuldnerberatung", "hours": "mo=09:00-12:00\ndo=14:00-18:00", "minutes": "60",
        "capacity": "2", "closed": "2026-12-24", "location": "Pferdemarkt 14, Raum 3", "lead_hours": "48"})
    with session_scope(get_settings()) as session:
        s = schedule_for(session, "schuldnerberatung")
        assert s.hours == {"0": [["09:00", "12:00"]], "3": [["14:00", "18:00"]]}
        assert (s.slot_minutes, s.capacity, s.holidays, s.location) == (60, 2, ["2026-12-24"], "Pferdemarkt 14, Raum 3")
    assert "mo=09:00-12:00" in client.get("/admin/termine?queue=schuldnerberatung").text


@pytest.mark.postgres
def test_inbox_search_and_pages_on_postgresql(tmp_path, monkeypatch):
    """The production path: German full-text search (stemming) over the stored tsvector."""
    from admin.inbox import InboxFilter, clock_for, counts, inbox_page
    from store.db import session_scope, upgrade_schema
    from store.models import User
    from store.settings import get_settings
    from tests.services import postgres_database

    with postgres_database() as url:
        monkeypatch.setenv("EINGANG_DATABASE_URL", url)
        monkeypatch.setenv("EINGANG_DATA_DIR", str(tmp_path / "data"))
        get_settings.cache_clear()
        try:
            upgrade_schema(get_settings())
            create_users()
            sperre = add_item("Sperre", "Die Stadtwerke haben den Strom gesperrt", "jobcenter", urgent=True)
            miete = [add_item(f"Miete {n}", "Mietzuschüsse beantragt", "wohngeld", minutes_ago=n) for n in range(60)]
            with session_scope(get_settings()) as session:
                es = session.scalars(select(User).where(User.username == "es")).one()
                sozial = session.scalars(select(User).where(User.username == "sozial")).one()
                clock = clock_for(session, get_settings())
                assert [r.id for r in inbox_page(session, es, InboxFilter(q="gesperrte Stromleitung"), clock=clock)[0]] == []
                assert [r.id for r in inbox_page(session, es, InboxFilter(q="Strom"), clock=clock)[0]] == [sperre]
                rows, cursor = inbox_page(session, es, InboxFilter(q="Mietzuschuss"), clock=clock)
                assert [r.id for r in rows] == miete[:50] and cursor
                rows, cursor = inbox_page(session, es, InboxFilter(q="Mietzuschuss"), cursor, clock=clock)
                assert [r.id for r in rows] == miete[50:] and cursor is None
                assert inbox_page(session, sozial, InboxFilter(q="Strom"), clock=clock)[0] == []
                assert counts(session, es)["urgent"] == 1 and counts(session, sozial)["open"] == 0
        finally:
            from store.db import get_engine

            get_engine(get_settings()).dispose()
            get_settings.cache_clear()


def test_channels_page_lists_mailboxes_without_passwords(web, monkeypatch):
    from store.settings import ImapMailbox

    monkeypatch.setattr(web, "imap_mailboxes", [ImapMailbox(
        name="wohngeld", host="imap.example", user="wg", password="streng-geheim", address="wohngeld@example.org")])
    page = client_for("chef").get("/admin/kanaele").text
    assert "imap.example" in page and "wohngeld@example.org" in page and "streng-geheim" not in page


def test_clearing_decision_routes_plans_and_teaches(web):
    from store.db import session_scope
    from store.models import Item, OutboxMessage, TrainingExample

    item = add_item("Unklar", "Ich weiß nicht, wer zuständig ist; ich bekomme Kindergeld.", "clearing")
    client = client_for("es")
    page = client.get(f"/items/{item}").text
    assert "Clearing-Entscheidung" in page
    resp = post_form(client, f"/items/{item}", f"/items/{item}/clearing",
                     {"queue": "extern", "referral_to": "", "note": ""})
    assert "zuständige Stelle" in client.get(resp.headers["location"]).text
    post_form(client, f"/items/{item}", f"/items/{item}/clearing",
              {"queue": "extern", "referral_to": "Familienkasse", "note": "Kindergeld"})
    with session_scope(get_settings()) as session:
        it = session.get(Item, item)
        assert (it.queue, it.action, it.referral_to) == ("extern", "refer", "Familienkasse")
        assert session.scalars(select(TrainingExample.source)).all() == ["clearing"]
        assert session.scalars(select(OutboxMessage.item_id)).all() == [item]
    assert "Clearing-Entscheidung" not in client.get(f"/items/{item}").text
    # A Jobcenter user cannot decide an item of another queue: it does not exist for them.
    assert post_form(client_for("jc"), "/inbox", f"/items/{item}/clearing", {"queue": "jobcenter"}).status_code == 404
