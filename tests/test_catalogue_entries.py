"""Intents and channels are catalogue entries an admin adds without code: an intent added in the
console is found by its keywords, named by a rule, offered as an inbox filter and shown by its
label; a channel added by a profile import is delivered on through the API and filtered in the
inbox. Retiring an entry that items carry keeps its label for them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml
from click.testing import CliRunner

from domain import catalogue_to_dict, load_profile
from routing import default_rules_text
from store.blobs import blob_store
from store.catalogue import current_catalogue
from store.db import session_scope
from store.models import Item
from store.settings import get_settings
from tests.mails import citizen_mail
from tests.web import client_for, create_users, post_form

LABEL = "Auskunft über gespeicherte Daten"
RULE = ("  - name: datenauskunft_frist\n"
        "    description: Auskunft nach Art. 15 DSGVO – Antwort binnen eines Monats\n"
        "    when: {intent: datenauskunft}\n"
        "    then: {tag: datenauskunft, deadline_days: 30}\n\n")
REQUEST = ("Meine Daten", "Sehr geehrte Damen und Herren,\nich beziehe Wohngeld und bitte um eine "
           "Datenauskunft: welche Daten haben Sie über mich gespeichert?\nIch wohne in 26123 "
           "Oldenburg.\nMit freundlichen Grüßen\nMaria Müller")
RECEIVED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def _process(settings, subject: str, text: str) -> Item:  # type: ignore[no-untyped-def]
    from store.enums import Channel
    from store.intake import Incoming, store_incoming
    from worker import steps

    with session_scope(get_settings()) as session:
        item, _ = store_incoming(session, Incoming(
            channel=Channel.EMAIL, content=citizen_mail(subject, text).as_bytes(),
            media_type="message/rfc822", received_at=RECEIVED), blob_store(get_settings()))
        item_id = item.id
    steps.extract(item_id, settings=settings)
    steps.classify(item_id, settings=settings)
    steps.route_item(item_id, settings=settings)
    with session_scope(get_settings()) as session:
        item = session.get(Item, item_id)
        session.expunge(item)
    return item


def test_an_intent_added_in_the_console_is_classified_routed_filtered_and_retired(settings):
    from services.rules import activate_version, save_draft

    create_users()
    chef = client_for("chef")
    # Given the admin adds an intent with keywords and an example phrase in the console
    added = post_form(chef, "/admin/kommune", "/admin/kommune/anliegenart", {
        "key": "datenauskunft", "label": LABEL, "keywords": "Datenauskunft\nArt. 15 DSGVO",
        "examples": "Welche Daten haben Sie über mich gespeichert", "active": "1"})
    assert "Anliegenart datenauskunft gespeichert" in chef.get(added.headers["location"]).text
    assert current_catalogue().intent_label("datenauskunft") == LABEL
    # and a rule that gives such requests the one-month deadline of Art. 12 DSGVO
    draft = save_draft(settings, default_rules_text().replace("rules:\n", "rules:\n" + RULE, 1),
                       "test", "Datenauskunft")
    activate_version(settings, draft.version, "test", "Neue Anliegenart")

    # When a citizen asks which data the office keeps
    item = _process(settings, *REQUEST)

    # Then the classifier finds the new intent by its keyword, and the rule names it
    assert item.intent == "datenauskunft"
    reasons = item.classification["reasons"]
    assert any(r.startswith(f"Anliegen: {LABEL}") and "„Datenauskunft“" in r for r in reasons), reasons
    assert "datenauskunft_frist" in item.decision["matched_rules"]
    assert item.deadline == RECEIVED + timedelta(days=30)
    # and the inbox filters by it, the item page shows its label (to the Eingangsservice)
    es = client_for("es")
    assert 'value="datenauskunft"' in es.get("/inbox").text
    assert "Meine Daten" in es.get("/inbox?intent=datenauskunft&status=").text
    assert "Meine Daten" not in es.get("/inbox?intent=antrag&status=").text
    assert LABEL in es.get(f"/items/{item.id}").text

    # When the admin removes it while an item carries it, it is retired, not deleted
    removed = post_form(chef, "/admin/kommune", "/admin/kommune/entfernen",
                        {"kind": "intent", "key": "datenauskunft"})
    assert "ausgeblendet" in chef.get(removed.headers["location"]).text
    catalogue = current_catalogue()
    assert "datenauskunft" not in catalogue.intent_keys  # no longer proposed or chosen
    page = es.get(f"/items/{item.id}").text
    assert LABEL in page  # the old item keeps its label
    assert '<option value="datenauskunft"' not in page.split('id="relabel-intent"', 1)[1]
    # and an intent no item carries is deleted
    post_form(chef, "/admin/kommune", "/admin/kommune/anliegenart",
              {"key": "probe", "label": "Probe", "active": "1"})
    post_form(chef, "/admin/kommune", "/admin/kommune/entfernen", {"kind": "intent", "key": "probe"})
    assert all(i.key != "probe" for i in current_catalogue().intents)


def test_a_channel_added_by_a_profile_import_is_delivered_on_and_filtered(settings, tmp_path):
    from eingang.cli import main

    # Given a profile with a channel of its own: the Kommune's chat assistant
    plain = catalogue_to_dict(load_profile("oldenburg"))
    plain["channels"].append({"key": "chat", "label": "Chat-Assistent", "symbol": "💬", "trusted": False})
    profile = tmp_path / "mit-chat.yaml"
    profile.write_text(yaml.safe_dump(plain, allow_unicode=True), encoding="utf-8")
    result = CliRunner().invoke(main, ["kommune", "import", str(profile)])
    assert result.exit_code == 0, result.output
    assert current_catalogue().channel("chat").label == "Chat-Assistent"
    assert "Kanal chat" in CliRunner().invoke(main, ["kommune", "show"]).output

    # When the chat assistant hands a request over through the API
    anonymous = client_for()
    made = anonymous.post("/api/v1/submissions", json={"text": "Ich möchte Wohngeld beantragen.",
                                                       "channel": "chat"})
    assert made.status_code == 201, made.text
    # (a channel that vouches for the writer, or one the catalogue lacks, cannot be claimed)
    for claimed in ("phone", "fax"):
        refused = anonymous.post("/api/v1/submissions", json={"text": "Hallo", "channel": claimed})
        assert refused.status_code == 422
    with session_scope(get_settings()) as session:
        assert [i.channel for i in session.query(Item)] == ["chat"]

    # Then the inbox offers it as a filter and shows the item with its symbol
    create_users()
    es = client_for("es")
    inbox = es.get("/inbox?channel=chat&status=").text
    assert '<option value="chat" selected>Chat-Assistent</option>' in inbox
    assert "💬" in inbox and "Online-Anliegen (API)" in inbox
    assert "Online-Anliegen (API)" not in es.get("/inbox?channel=email&status=").text

    # When the Kommune imports its profile without the channel again, the channel is retired
    result = CliRunner().invoke(main, ["kommune", "import", "oldenburg"])
    assert result.exit_code == 0, result.output
    chat = current_catalogue().channel("chat")
    assert chat is not None and not chat.active and "chat" not in current_catalogue().channel_keys
    # its items keep label and symbol, and no new request can be delivered on it
    inbox = es.get("/inbox?status=").text
    assert "💬" in inbox and "Chat-Assistent" in inbox
    assert anonymous.post("/api/v1/submissions", json={"text": "Hallo", "channel": "chat"}).status_code == 422


def test_a_scan_folder_delivers_on_a_channel_added_in_the_console(settings):
    from connectors.scanfolder import ScanFolders
    from tests import letters
    from tests.test_scanfolder import Clock

    create_users()
    chef = client_for("chef")
    # Given a fax channel added in the console, and the fax server's folder delivering on it
    post_form(chef, "/admin/kommune", "/admin/kommune/kanal",
              {"key": "fax", "label": "Fax", "symbol": "📠", "active": "1"})
    page = "/admin/kanaele/scanordner"
    assert '<option value="fax"' in chef.get(page).text
    refused = post_form(chef, page, page, {"path": "faxserver", "name": "Faxserver", "active": "1",
                                           "batch": "nein", "queue_hint": "", "channel": "telex"})
    assert refused.status_code == 400 and "Einen der Kanäle wählen" in refused.text
    made = post_form(chef, page, page, {"path": "faxserver", "name": "Faxserver", "active": "1",
                                        "batch": "nein", "queue_hint": "", "channel": "fax"})
    assert made.status_code == 303
    # When a fax arrives there
    clock = Clock()
    watcher = ScanFolders(settings, clock=clock)
    (settings.scan_path / "faxserver" / "fax.pdf").write_bytes(
        letters.image_pdf([letters.render_page(letters.WOHNGELD)]))
    for _ in range(2):
        watcher.poll()
        clock.now += settings.scan_settle_seconds
    # Then its item came in on the fax channel, and the inbox shows and filters it so
    with session_scope(settings) as session:
        assert [(i.channel, i.mailbox) for i in session.query(Item)] == [("fax", "scan:faxserver")]
    inbox = client_for("es").get("/inbox?channel=fax&status=").text
    assert '<option value="fax" selected>Fax</option>' in inbox and "📠" in inbox
