"""The domain catalogue: profiles, the one place every part reads offices from, and a new office
that works without code (rules name it, the classifier finds it by its keywords, retention and
follow-ups follow it)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from classifier import ClassifyRequest, load_classifier
from domain import (
    Office,
    ProfileError,
    catalogue_from_dict,
    catalogue_to_dict,
    default_catalogue,
    dump_profile,
    load_profile,
)
from routing import Router, RoutingConfig, RoutingInput, default_rules_text
from store.settings import get_settings

JUGENDAMT = Office(
    key="jugendamt", name="Jugendamt", rechtskreis="SGB VIII", leistungsform="transfer_beratung",
    follow_up="offer_appointment", retention_days=120,
    keywords=("Jugendamt", "Unterhaltsvorschuss", "Hilfe zur Erziehung"),
    examples=("Wir brauchen Unterstützung bei der Erziehung unseres Sohnes",),
)


def with_office(office: Office, catalogue=None):  # type: ignore[no-untyped-def]
    catalogue = catalogue or default_catalogue()
    return replace(catalogue, offices=(*catalogue.offices, office))


@pytest.mark.parametrize("name", ["oldenburg", "ammerland"])
def test_profile_round_trip(name: str) -> None:
    catalogue = load_profile(name)
    again = catalogue_from_dict(catalogue_to_dict(catalogue))
    assert catalogue_to_dict(again) == catalogue_to_dict(catalogue)
    assert dump_profile(again) == dump_profile(catalogue)
    assert {"extern", "clearing"} <= set(catalogue.queue_keys)


def test_oldenburg_profile_is_todays_behaviour() -> None:
    c = load_profile("oldenburg")
    assert c.kommune.name == "Stadt Oldenburg (Oldb)"
    assert c.kommune.all_postcodes == frozenset(
        {"26121", "26122", "26123", "26125", "26127", "26129", "26131", "26133", "26135"})
    assert c.leistungsform == {
        "jobcenter": "transfer", "sozialamt": "transfer", "wohngeld": "transfer",
        "eingliederungshilfe": "transfer_beratung", "schuldnerberatung": "sozialintegrativ",
        "suchtberatung": "sozialintegrativ"}
    assert {o.key: o.retention_days for o in c.offices}["suchtberatung"] == 90
    assert c.queue_name("wohngeld") == "Wohngeldstelle"
    assert c.queue_title("jobcenter") == "Jobcenter (SGB II)"


def test_ammerland_is_a_landkreis_with_gemeinden_and_offices_oldenburg_lacks() -> None:
    c = load_profile("ammerland")
    names = {g.name for g in c.kommune.gemeinden}
    assert names == {"Westerstede", "Bad Zwischenahn", "Edewecht", "Rastede", "Wiefelstede", "Apen"}
    assert c.kommune.gemeinde_for("26160").name == "Bad Zwischenahn"
    assert "26123" not in c.kommune.all_postcodes  # Oldenburg is a neighbour here
    assert c.kommune.address.endswith("26655 Westerstede")  # appointments without a place of their own
    assert set(c.queue_keys) - set(default_catalogue().queue_keys) >= {"jugendamt"}


@pytest.mark.parametrize(("change", "message"), [
    ({"offices": []}, "extern"),
    ({"kommune": {"name": "X"}}, "Postleitzahlen"),
    ({"kommune": {"name": "X", "postcodes": ["2612"]}}, "fünfstellige"),
])
def test_bad_profiles_are_refused_in_german(change, message) -> None:  # type: ignore[no-untyped-def]
    plain = catalogue_to_dict(default_catalogue()) | change
    with pytest.raises(ProfileError, match=message):
        catalogue_from_dict(plain)


def test_bad_office_is_refused() -> None:
    plain = catalogue_to_dict(default_catalogue())
    plain["offices"].append({"key": "jugendamt", "name": "Jugendamt", "leistungsform": "irgendwas"})
    with pytest.raises(ProfileError, match="Leistungsform"):
        catalogue_from_dict(plain)


def _routing_input(text: str, queue: str, confidence: float = 0.9) -> RoutingInput:
    return RoutingInput(channel="email", subject="", text=text, classification={
        "queue": queue, "confidence": confidence, "intent": "antrag", "facts": {"postcode": ["26123"]}})


def test_a_rule_can_name_a_new_office_and_its_follow_up_comes_from_the_catalogue() -> None:
    catalogue = with_office(JUGENDAMT)
    config = RoutingConfig(postcodes=catalogue.kommune.all_postcodes, catalogue=catalogue)
    source = default_rules_text().replace("rules:\n", """rules:
  - name: jugendamt_stichwort
    description: Hilfe zur Erziehung
    when: {words: [erziehungshilfe]}
    then: {queue: jugendamt, stop: true}
""", 1)
    decision = Router.from_yaml(source, config).route(
        _routing_input("Ich beantrage Erziehungshilfe.", "jobcenter"))
    assert (decision.queue, decision.action) == ("jugendamt", "offer_appointment")
    # Without the office in the catalogue the same rule set is refused, in German.
    from routing import RuleError

    with pytest.raises(RuleError, match="Unbekannte Warteschlange „jugendamt“"):
        Router.from_yaml(source, RoutingConfig(postcodes=catalogue.kommune.all_postcodes))


def test_the_classifier_reaches_a_new_office_by_its_keywords_and_examples(tmp_path) -> None:
    catalogue = with_office(JUGENDAMT)
    classifier = load_classifier(data_dir=tmp_path, catalogue=catalogue)
    by_keyword = classifier.classify(ClassifyRequest(
        text="Guten Tag, ich beantrage Unterhaltsvorschuss für meine Tochter. 26123 Oldenburg"))
    assert by_keyword.queue == "jugendamt", by_keyword.reasons
    assert any("Unterhaltsvorschuss" in r and "Jugendamt" in r for r in by_keyword.reasons)
    by_example = classifier.classify(ClassifyRequest(
        text="Wir brauchen dringend Unterstützung bei der Erziehung von unserem Sohn."))
    assert by_example.queue == "jugendamt", by_example.reasons
    # The demo Kommune's classifier does not know the office at all.
    plain = load_classifier(data_dir=tmp_path).classify(ClassifyRequest(
        text="Guten Tag, ich beantrage Unterhaltsvorschuss für meine Tochter. 26123 Oldenburg"))
    assert plain.queue != "jugendamt" and "jugendamt" not in plain.queue_scores


def test_training_learns_a_new_office_from_staff_corrections() -> None:
    from classifier.signals import Signals
    from classifier.training import to_training_rows

    catalogue = with_office(JUGENDAMT)
    rows = [{"text": "Beistandschaft für mein Kind", "queue": "jugendamt", "intent": "antrag"}]
    assert to_training_rows(rows, Signals.load(), catalogue)[0].queue == "jugendamt"
    assert to_training_rows(rows, Signals.load())[0].queue is None  # unknown to the demo Kommune


def test_kommune_import_export_through_the_cli(settings, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from click.testing import CliRunner
    from sqlalchemy import select

    from eingang.cli import main
    from store.catalogue import current_catalogue
    from store.db import session_scope
    from store.models import AuditEvent

    assert current_catalogue().kommune.name == "Stadt Oldenburg (Oldb)"  # seeded by upgrade_schema
    runner = CliRunner()
    result = runner.invoke(main, ["kommune", "import", "ammerland"])
    assert result.exit_code == 0, result.output
    catalogue = current_catalogue()
    assert catalogue.kommune.name == "Landkreis Ammerland" and "jugendamt" in catalogue.queue_keys
    assert catalogue.office("jugendamt").schedule.slot_minutes == 60
    out = tmp_path / "kommune.yaml"
    assert runner.invoke(main, ["kommune", "export", "-o", str(out)]).exit_code == 0
    assert catalogue_to_dict(load_profile(str(out))) == catalogue_to_dict(load_profile("ammerland"))
    shown = runner.invoke(main, ["kommune", "show"]).output
    assert "Gemeinde Bad Zwischenahn: 26160; führt selbst: wohngeld" in shown
    assert "Clearing-Stelle – Sonderfall, 180 Tage, Zielzeit 24 Std." in shown
    bad = tmp_path / "kaputt.yaml"
    bad.write_text("kommune: {name: X}\noffices: []\n", encoding="utf-8")
    result = runner.invoke(main, ["kommune", "import", str(bad)])
    assert result.exit_code != 0 and "extern" in result.output
    with session_scope(get_settings()) as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("config.import") == 1 and "config.export" in actions


def test_an_office_changed_in_the_store_reaches_routing_clearing_and_retention(settings) -> None:  # type: ignore[no-untyped-def]
    from services.clearing import decide
    from store import retention
    from store.catalogue import change_office, current_catalogue
    from store.db import session_scope
    from store.models import Item, utcnow
    from store.rulesets import activate, add_draft
    from worker.rules import active_router, routing_config

    with session_scope(get_settings()) as session:
        change_office(session, "jugendamt", {"name": "Jugendamt", "leistungsform": "transfer_beratung",
                                             "retention_days": 30, "keywords": ["Beistandschaft"]},
                      "web:chefin", settings=get_settings())
    assert current_catalogue().office("jugendamt").keywords == ("Beistandschaft",)
    with session_scope(get_settings()) as session:
        assert retention.retention_days(session, get_settings())["jugendamt"] == 30
        router = active_router(session, routing_config(get_settings(), session))
    decision = router.route(_routing_input("Beistandschaft", "jugendamt"))
    assert (decision.queue, decision.action) == ("jugendamt", "offer_appointment")
    # The Clearing-Stelle's decision follows the ACTIVE rule set: here it makes the office a
    # Transferleistung, so the follow-up is the automatic one.
    source = default_rules_text().replace("name: Standardregeln\n",
                                          "name: Standardregeln\nleistungsform: {jugendamt: transfer}\n")
    with session_scope(get_settings()) as session:
        rs = add_draft(session, source, "web:chefin", None)
        activate(session, rs.version, "web:chefin")
        item = Item(channel="email", received_at=utcnow(), status="routed", queue="clearing",
                    text="Beistandschaft", subject="Frage")
        session.add(item)
        session.flush()
        item_id = item.id
    decide(get_settings(), item_id, "jugendamt", "web:clearing")
    with session_scope(get_settings()) as session:
        assert session.get(Item, item_id).action == "auto_process"


def test_a_landkreis_decision_names_the_gemeinde_that_runs_the_office_itself() -> None:
    catalogue = load_profile("ammerland")
    config = RoutingConfig(postcodes=catalogue.kommune.all_postcodes, catalogue=catalogue)
    router = Router.from_yaml(default_rules_text(), config)
    inp = RoutingInput(channel="email", subject="", text="Wohngeld", classification={
        "queue": "wohngeld", "confidence": 0.9, "intent": "antrag", "facts": {"postcode": ["26160"]}})
    decision = router.route(inp)
    assert decision.queue == "wohngeld" and "gemeinde:Bad Zwischenahn" in decision.tags
    assert ("Für Postleitzahl 26160 ist die Gemeinde Bad Zwischenahn selbst zuständig "
            "(eigene Stelle: Wohngeldstelle).") in decision.explanation
    # Apen leaves Wohngeld to the Landkreis; Oldenburg is örtlich unzuständig here.
    apen = router.route(replace(inp, classification={**inp.classification, "facts": {"postcode": ["26689"]}}))
    assert apen.queue == "wohngeld" and not any(t.startswith("gemeinde:") for t in apen.tags)
    oldenburg = router.route(replace(inp, classification={**inp.classification, "facts": {"postcode": ["26123"]}}))
    assert (oldenburg.queue, oldenburg.referral_to) == ("extern", "andere Kommune")


def test_referral_bodies_edited_in_the_catalogue_name_the_forwarding_address(settings) -> None:  # type: ignore[no-untyped-def]
    from store.catalogue import change_referral_body, current_catalogue
    from store.db import session_scope
    from worker.forwarding import forwarding_address, referral_phrase

    catalogue = current_catalogue(None, get_settings())
    assert forwarding_address("Familienkasse", catalogue) is None  # the bundled profiles name no address
    assert referral_phrase("andere Kommune", catalogue, accusative=True) == "die Stadt oder den Landkreis Ihres Wohnorts"
    with session_scope(get_settings()) as session:
        change_referral_body(session, "Familienkasse", {"email": "familienkasse@familienkasse.example"},
                             "web:chefin", settings=get_settings())
        change_referral_body(session, "Wohnungsbaugesellschaft", {"hint": "Bitte an die GSG wenden."},
                             "web:chefin", settings=get_settings())
    catalogue = current_catalogue(None, get_settings())
    assert forwarding_address("Familienkasse", catalogue) == "familienkasse@familienkasse.example"
    assert referral_phrase("Familienkasse", catalogue) == "die Familienkasse"  # unchanged by the edit
    assert referral_phrase("Wohnungsbaugesellschaft", catalogue) == "Wohnungsbaugesellschaft"


def test_the_next_model_version_knows_the_office_from_staff_corrections(tmp_path) -> None:
    import json

    from classifier import Classifier
    from classifier.facts import FactsConfig
    from classifier.signals import Signals
    from classifier.training import train

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = [{"text": t, "queue": q, "intent": "antrag"} for q, t in [
        ("wohngeld", "Ich möchte Wohngeld beantragen, die Miete ist zu hoch."),
        ("wohngeld", "Antrag auf Mietzuschuss für unsere Wohnung."),
        ("jobcenter", "Ich habe meine Arbeit verloren und brauche Bürgergeld."),
        ("jobcenter", "Weiterbewilligung meines Bürgergelds bitte."),
    ]]
    (corpus / "mini.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    # Staff re-routed two requests to the new office (no keywords entered for it).
    office = replace(JUGENDAMT, keywords=(), examples=())
    catalogue = with_office(office)
    corrections = [{"text": "Wir beantragen eine Beistandschaft für unseren Sohn.", "queue": "jugendamt",
                    "intent": "antrag"},
                   {"text": "Bitte um Beistandschaft wegen Unterhalt für das Kind.", "queue": "jugendamt",
                    "intent": "antrag"}]
    model = train(corrections, signals=Signals.load(), corpus_dir=corpus, catalogue=catalogue)
    assert "jugendamt" in model.queue_head.classes_
    # The model itself now says Jugendamt (this mini corpus knows three queues only, so the
    # classifier would give the six it lacks an even share each).
    result = Classifier(Signals.load(), model, FactsConfig.load(), catalogue=catalogue).classify(
        ClassifyRequest(text="Beistandschaft für mein Kind"))
    known = {q: p for q, p in result.queue_scores.items() if q in model.queue_head.classes_}
    assert max(known, key=known.get) == "jugendamt", result.queue_scores
    assert any("(Modell)" in r and "Jugendamt" in r for r in result.reasons)


def test_the_console_edits_the_catalogue_with_audit(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.catalogue import current_catalogue
    from store.db import session_scope
    from store.models import AuditEvent
    from tests.web import client_for, create_users, post_form

    create_users()
    chef = client_for("chef")
    resp = post_form(chef, "/admin/zustaendigkeiten", "/admin/zustaendigkeiten", {
        "key": "jugendamt", "name": "Jugendamt", "title": "Jugendamt (SGB VIII)", "rechtskreis": "SGB VIII",
        "leistungsform": "transfer_beratung", "follow_up": "", "retention_days": "120",
        "retention_basis": "sensitive", "keywords": "Beistandschaft\nUnterhaltsvorschuss",
        "examples": "", "signature": "", "description": "", "phone": "", "email": "", "address": "",
        "active": "1"})
    assert "Zuständigkeit jugendamt gespeichert" in chef.get(resp.headers["location"]).text
    office = current_catalogue().office("jugendamt")
    assert (office.label, office.retention_days, office.keywords) == (
        "Jugendamt (SGB VIII)", 120, ("Beistandschaft", "Unterhaltsvorschuss"))
    bad = post_form(chef, "/admin/zustaendigkeiten", "/admin/zustaendigkeiten",
                    {"key": "x y", "name": "Kaputt", "active": "1"})
    assert "Schlüssel" in chef.get(bad.headers["location"]).text
    post_form(chef, "/admin/kommune", "/admin/kommune", {
        "name": "Stadt Oldenburg (Oldb)", "ags": "03403000", "kind": "Stadt",
        "postcodes": "26121, 26122, 26123", "gemeinden": "", "neighbours": "Rastede",
        "address": "Bürgerbüro Mitte, Pferdemarkt 14, 26121 Oldenburg"})
    kommune = current_catalogue().kommune
    assert kommune.all_postcodes == frozenset({"26121", "26122", "26123"})
    assert kommune.address == "Bürgerbüro Mitte, Pferdemarkt 14, 26121 Oldenburg"
    post_form(chef, "/admin/kommune", "/admin/kommune/bezeichnung",
              {"kind": "intent", "key": "auskunft", "label": "Frage zum Sachstand"})
    post_form(chef, "/admin/kommune", "/admin/kommune/verweisung",
              {"name": "Jobcenter Ammerland", "email": "post@jobcenter.example", "handles": "Bürgergeld",
               "hint": "Bitte wenden Sie sich an das Jobcenter Ammerland.", "address": ""})
    catalogue = current_catalogue()
    assert catalogue.intent_label("auskunft") == "Frage zum Sachstand"
    assert catalogue.referral_body("Jobcenter Ammerland").email == "post@jobcenter.example"
    page = chef.get("/admin/kommune").text
    assert "Frage zum Sachstand" in page and "Jobcenter Ammerland" in page
    # The page's title is its name only, and the labels table stands once, in the page
    assert "<title>Kommune – Eingangsservice</title>" in page and page.count('id="h-labels"') == 1
    exported = chef.get("/admin/kommune/profil.yaml")
    assert exported.status_code == 200 and "jugendamt" in exported.text
    with session_scope(get_settings()) as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert {"config.queue_saved", "config.kommune_saved", "config.label_saved",
            "config.referral_body_saved", "config.export"} <= set(actions)


def test_the_public_wayfinder_speaks_of_the_configured_kommune() -> None:
    from admin.guide import Answers, emergency_help, suggest

    answers = Answers(age=30, work="ja", topic="lebensunterhalt")
    for profile, jobcenter, phone in [("oldenburg", "Jobcenter Oldenburg", "0441 235-0"),
                                      ("ammerland", "Jobcenter Ammerland", "115")]:
        kommune = load_profile(profile).kommune
        suggestion = suggest(replace(answers, postcode=sorted(kommune.all_postcodes)[0]),
                             kommune.all_postcodes, kommune.name, profile)
        assert suggestion.office_name.startswith(jobcenter)
        assert emergency_help(profile)["phone"] == phone
    wohngeld = suggest(Answers(topic="wohngeld", postcode="26655"), kommune.all_postcodes, kommune.name,
                       "ammerland")
    assert wohngeld.link is None  # no Oldenburg link in Ammerland


def test_each_office_names_its_response_target_and_bad_ones_are_refused() -> None:
    # Given the demo profile: the Clearing-Stelle answers within a day, the Wohngeldstelle in three.
    catalogue = default_catalogue()
    assert catalogue.office("clearing").response_target_hours == 24
    assert catalogue.response_target_hours("wohngeld", 48.0) == 72
    # An office without a target of its own (or an unknown key) gets the house default.
    plain = catalogue_to_dict(catalogue)
    plain["offices"][0].pop("response_target_hours")
    assert catalogue_from_dict(plain).response_target_hours(plain["offices"][0]["key"], 36.0) == 36.0
    assert catalogue.response_target_hours("gibt-es-nicht", 36.0) == 36.0
    # A German decimal comma is read; zero, negative and words are refused in German.
    plain["offices"][0]["response_target_hours"] = "1,5"
    assert catalogue_from_dict(plain).offices[0].response_target_hours == 1.5
    for bad in (0, -4, "bald", True):
        plain["offices"][0]["response_target_hours"] = bad
        with pytest.raises(ProfileError, match="Zielzeit"):
            catalogue_from_dict(plain)


def test_the_console_sets_an_offices_response_target_with_audit(settings) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from store.catalogue import current_catalogue
    from store.db import session_scope
    from store.models import AuditEvent
    from tests.web import client_for, create_users, post_form

    create_users()
    chef = client_for("chef")
    page = chef.get("/admin/zustaendigkeiten/wohngeld").text
    assert 'id="response_target_hours"' in page and 'value="72"' in page
    resp = post_form(chef, "/admin/zustaendigkeiten/wohngeld", "/admin/zustaendigkeiten",
                     {"key": "wohngeld", "name": "Wohngeldstelle", "response_target_hours": "12,5",
                      "back": "1", "active": "1"})
    assert "gespeichert" in chef.get(resp.headers["location"]).text
    assert current_catalogue().office("wohngeld").response_target_hours == 12.5
    assert "12,5 Std." in chef.get("/admin/zustaendigkeiten").text
    bad = post_form(chef, "/admin/zustaendigkeiten/wohngeld", "/admin/zustaendigkeiten",
                    {"key": "wohngeld", "name": "Wohngeldstelle", "response_target_hours": "morgen",
                     "back": "1", "active": "1"})
    assert "Zielzeit" in chef.get(bad.headers["location"]).text
    # Emptied: the office falls back to the house default.
    post_form(chef, "/admin/zustaendigkeiten/wohngeld", "/admin/zustaendigkeiten",
              {"key": "wohngeld", "name": "Wohngeldstelle", "response_target_hours": "",
               "back": "1", "active": "1"})
    assert current_catalogue().office("wohngeld").response_target_hours is None
    with session_scope(get_settings()) as session:
        saved = session.scalars(select(AuditEvent).where(AuditEvent.action == "config.queue_saved")).all()
    assert len(saved) == 2
