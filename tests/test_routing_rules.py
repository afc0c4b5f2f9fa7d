"""The rule engine: matchers, actions, the chain's trace and the validation of rule sets."""

from __future__ import annotations

from typing import Any

import pytest

from routing import Router, RoutingConfig, RoutingInput, RuleError, route
from routing.actions import ACTION_KINDS, action
from routing.matchers import MATCHERS, matcher

CONFIG = RoutingConfig(postcodes=frozenset({"26121", "26122", "26135"}))


def classification(**overrides: Any) -> dict[str, Any]:
    base = {
        "queue": "jobcenter",
        "confidence": 0.9,
        "intent": "unterlagen",
        "urgent": False,
        "urgent_reasons": [],
        "referral_to": None,
        "facts": {},
        "reasons": ["Stichwort „bürgergeld“ → jobcenter"],
        "abstained": False,
    }
    base.update(overrides)
    return base


def make_input(text: str = "", subject: str = "", **kwargs: Any) -> RoutingInput:
    channel = kwargs.pop("channel", "email")
    mailbox = kwargs.pop("mailbox", None)
    sender = kwargs.pop("sender", None)
    known_case = kwargs.pop("known_case", None)
    form_answers = kwargs.pop("form_answers", None)
    return RoutingInput(
        channel=channel,
        subject=subject,
        text=text,
        classification=classification(**kwargs),
        mailbox=mailbox,
        sender=sender,
        known_case=known_case,
        form_answers=form_answers,
    )


def one_rule(when: str, then: str = "{queue: wohngeld, stop: true}") -> Router:
    return Router.from_yaml(
        f"rules:\n  - name: probe\n    when: {when}\n    then: {then}\n", CONFIG
    )


def hits(when: str, inp: RoutingInput) -> bool:
    return one_rule(when).route(inp).matched_rules == ["probe"]


# --- matchers: one row per kind, a hit and a miss each ------------------------------------
KNOWN_BY_SENDER = {"queue": "wohngeld", "basis": "sender", "reason": "Bestandskunde"}
KNOWN_BY_ID = {"queue": "jobcenter", "basis": "identifier", "reason": "BG-Nummer genannt"}
MATCHER_CASES = [
    ("{channel: [letter, phone]}", make_input(channel="letter"), make_input(channel="email")),
    ("{mailbox: '@wohngeld.example'}", make_input(mailbox="a@wohngeld.example"), make_input(mailbox="a@x.example")),
    ("{sender: 'inkasso*'}", make_input(sender="inkasso@firma.example"), make_input(sender="erna@web.example")),
    ("{classifier_queue: jobcenter}", make_input(), make_input(queue="wohngeld")),
    ("{confidence: {below: 0.5}}", make_input(confidence=0.3), make_input(confidence=0.7)),
    ("{confidence: {min: min_confidence}}", make_input(confidence=0.5), make_input(confidence=0.49)),
    ("{abstained: true}", make_input(abstained=True), make_input()),
    ("{intent: [antrag, widerspruch]}", make_input(intent="widerspruch"), make_input()),
    ("{urgent: true}", make_input(urgent=True), make_input()),
    (
        "{urgent_kind: notlage}",
        make_input(urgent=True, urgent_reasons=[{"kind": "notlage", "label": "Notlage", "trigger": "stromsperre"}]),
        make_input(urgent=True, urgent_reasons=[{"kind": "frist", "label": "Frist", "trigger": "widerspruch"}]),
    ),
    ("{referral_to: Familienkasse}", make_input(referral_to="Familienkasse"), make_input()),
    ("{has_referral: true}", make_input(referral_to="BAföG-Amt"), make_input()),
    ("{postcode: inside}", make_input(facts={"postcode": ["26121"]}), make_input(facts={"postcode": ["26160"]})),
    ("{postcode: outside}", make_input(facts={"postcode": ["26160"]}), make_input(facts={"postcode": ["26160", "26121"]})),
    ("{postcode: none}", make_input(), make_input(facts={"postcode": ["26121"]})),
    ("{has_fact: [bg_nummer]}", make_input(facts={"bg_nummer": ["26102BG0041877"]}), make_input(facts={"bg_nummer": []})),
    ("{age: {min: regelaltersgrenze}}", make_input(facts={"age": 71}), make_input(facts={"age": [40]})),
    ("{age: {min: 67}}", make_input("Ich bin 68 Jahre alt und die Rente reicht nicht."), make_input("Ich bin 45 Jahre alt.")),
    ("{amount: {above: 1000}}", make_input(facts={"amount": ["1.250,00"]}), make_input(facts={"amount": [99.5]})),
    ("{amount: {min: 500}}", make_input("Die Nachzahlung beträgt 612,40 €."), make_input("Es geht um 12 Euro.")),
    ("{words: [lastenzuschuss]}", make_input("Antrag auf LASTENZUSCHUSS"), make_input("Mietzuschuss")),
    ("{words: {any: [dringend], in: subject}}", make_input("x", subject="Dringend!"), make_input("dringend", subject="x")),
    ("{regex: '\\bBG-?Nr\\b'}", make_input("meine bg-nr ist"), make_input("keine Nummer")),
    ("{any: [{channel: phone}, {intent: termin}]}", make_input(intent="termin"), make_input()),
    ("{all: [{channel: email}, {intent: termin}]}", make_input(intent="termin"), make_input(channel="phone", intent="termin")),
    ("{not: {classifier_queue: jobcenter}}", make_input(queue="wohngeld"), make_input()),
    ("{queue_decided: false}", make_input(), None),
    ("{known_case: true}", make_input(known_case=KNOWN_BY_SENDER), make_input(known_case={"queue": None, "basis": "sender"})),
    ("{known_case: [identifier]}", make_input(known_case=KNOWN_BY_ID), make_input(known_case=KNOWN_BY_SENDER)),
    ("{form_office: jobcenter}", make_input(channel="webform", form_answers={"suggested_office": "jobcenter"}),
     make_input(channel="webform", form_answers={"suggested_office": "clearing"})),
    ("{form_emergency: ja}", make_input(channel="webform", form_answers={"emergency": "ja"}),
     make_input(channel="webform", form_answers={"emergency": "nein"})),
    (
        "{classifier_elsewhere: {min: 0.9}}",
        make_input(known_case=KNOWN_BY_SENDER, confidence=0.95),
        make_input(known_case=KNOWN_BY_SENDER, queue="wohngeld", confidence=0.95),
    ),
]


@pytest.mark.parametrize(("when", "hit", "miss"), MATCHER_CASES, ids=[c[0] for c in MATCHER_CASES])
def test_matcher_kind_hits_and_misses(when: str, hit: RoutingInput, miss: RoutingInput | None) -> None:
    assert hits(when, hit)
    if miss is not None:
        assert not hits(when, miss)


def test_every_registered_matcher_kind_has_a_case() -> None:
    covered = {when.strip("{ ").split(":")[0] for when, _, _ in MATCHER_CASES}
    covered |= {"current_queue", "leistungsform"}  # state matchers, tested with the chain below
    assert set(MATCHERS) <= covered


def test_state_matchers_see_what_earlier_rules_set() -> None:
    # Given a rule that sets the queue and one that reacts to it
    router = Router.from_yaml(
        """
rules:
  - {name: setzen, when: {}, then: {queue: eingliederungshilfe}}
  - {name: queue_probe, when: {current_queue: eingliederungshilfe}, then: {tag: egh}}
  - {name: form_probe, when: {leistungsform: transfer_beratung}, then: {follow_up: offer_appointment}}
""",
        CONFIG,
    )
    decision = router.route(make_input())
    assert decision.matched_rules == ["setzen", "queue_probe", "form_probe"]
    assert decision.tags == ["egh"]
    assert decision.action == "offer_appointment"


# --- the chain: order, stop, trace, explanation ----------------------------------------------


def test_chain_records_hits_and_misses_in_order_and_stops() -> None:
    router = Router.from_yaml(
        """
name: Probe
rules:
  - {name: erste, description: Kanal Telefon, when: {channel: phone}, then: {tag: tel}}
  - {name: zweite, when: {classifier_queue: jobcenter}, then: {queue: classifier, priority: 3, stop: true}}
  - {name: dritte, when: {}, then: {queue: sozialamt}}
""",
        CONFIG,
    )
    decision = router.route(make_input())
    assert [t["rule"] for t in decision.trace] == ["erste", "zweite"]
    assert [t["hit"] for t in decision.trace] == [False, True]
    assert decision.trace[0]["why"] == "Eingangskanal ist email"
    assert decision.trace[1]["stopped"] is True
    assert decision.queue == "jobcenter" and decision.priority == 3
    assert decision.deciding_rule == "zweite"
    # The explanation starts with the classifier's contribution and ends with the result.
    assert decision.explanation[0].startswith("Klassifikator: jobcenter (Sicherheit 90%)")
    assert "„zweite“" in decision.explanation[1]
    assert decision.explanation[-1].startswith("Ergebnis: jobcenter")
    assert decision.classifier["queue"] == "jobcenter"
    assert decision.action == "auto_process"  # default follow-up of a transfer queue
    assert decision.rule_set == "Probe"


def test_no_rule_deciding_sends_to_clearing() -> None:
    decision = one_rule("{channel: phone}").route(make_input())
    assert (decision.queue, decision.action, decision.deciding_rule) == ("clearing", "clearing", None)
    assert "Keine Regel" in decision.explanation[-1]


def test_extern_without_a_body_to_name_goes_to_clearing() -> None:
    decision = one_rule("{}", "{queue: extern}").route(make_input())
    assert decision.queue == "clearing"


def test_refer_text_names_the_body_and_the_kommune() -> None:
    router = one_rule(
        "{}",
        "{follow_up: refer, referral_to: Familienkasse, text: 'Nicht {kommune}: bitte an die {referral_to}.'}",
    )
    decision = router.route(make_input())
    assert decision.queue == "extern" and decision.referral_to == "Familienkasse"
    assert decision.reply_text == "Nicht Stadt Oldenburg (Oldb): bitte an die Familienkasse."


def test_disabled_rule_is_skipped_and_says_so() -> None:
    router = Router.from_yaml(
        "rules:\n  - {name: aus, enabled: false, when: {}, then: {queue: wohngeld}}\n", CONFIG
    )
    decision = router.route(make_input())
    assert decision.queue == "clearing"
    assert decision.trace[0]["why"] == "Regel ist abgeschaltet"


def test_runaway_regex_is_cut_off_as_a_miss() -> None:
    # Catastrophic backtracking: (a|aa)+$ against many a's and a final b.
    router = Router.from_yaml(
        "rules:\n  - {name: boese, when: {regex: '(a|aa)+$'}, then: {queue: wohngeld}}\n",
        RoutingConfig(postcodes=frozenset(), regex_timeout=0.05),
    )
    decision = router.route(make_input("a" * 40 + "b"))
    assert decision.matched_rules == []
    assert "abgebrochen" in decision.trace[0]["why"]


# --- validation: a bad rule set is refused with a German reason ------------------------------
BAD_RULE_SETS = [
    ("rules: [", "kein gültiges YAML"),
    ("rules: []", "nicht leere Liste"),
    ("rules:\n  - {name: X-1, when: {}}", "Name fehlt oder ist ungültig"),
    ("rules:\n  - {name: a1, when: {}}\n  - {name: a1, when: {}}", "doppelt"),
    ("rules:\n  - {name: a1, when: {farbe: rot}}", "Unbekannte Bedingung „farbe“"),
    ("rules:\n  - {name: a1, then: {queue: rathaus}}", "Unbekannte Warteschlange „rathaus“"),
    ("rules:\n  - {name: a1, then: {follow_up: anrufen}}", "Unbekannter Folgeschritt"),
    ("rules:\n  - {name: a1, then: {wegwerfen: true}}", "Unbekannte Aktion"),
    ("rules:\n  - {name: a1, when: {regex: '(unclosed'}}", "Ungültiger regulärer Ausdruck"),
    ("rules:\n  - {name: a1, when: {age: {min: alter_der_welt}}}", "keine Zahl"),
    ("rules:\n  - {name: a1, when: {postcode: irgendwo}}", "inside, outside oder none"),
    ("rules:\n  - {name: a1, then: {priority: hoch}}", "ganze Zahl"),
    ("rules:\n  - {name: a1, then: {text: 'Hallo {name}'}}", "nur {kommune}"),
    ("rules:\n  - {name: a1, farbe: rot}", "unbekanntes Feld"),
    ("leistungsform: {jobcenter: bar}\nrules:\n  - {name: a1}", "leistungsform"),
]


@pytest.mark.parametrize(("text", "message"), BAD_RULE_SETS, ids=[m for _, m in BAD_RULE_SETS])
def test_invalid_rule_set_is_refused_with_reason(text: str, message: str) -> None:
    with pytest.raises(RuleError, match=message.replace("{", r"\{")):
        Router.from_yaml(text, CONFIG)


def test_duplicate_registration_is_an_error() -> None:
    with pytest.raises(RuleError):
        matcher("channel")(lambda param, config: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(RuleError):
        action("queue")(lambda param, env: None)  # type: ignore[arg-type,return-value]
    assert "channel" in MATCHERS and "queue" in ACTION_KINDS


# --- the default rule set on constructed cases --------------------------------------------


def test_default_outside_postcode_is_referred_to_the_other_kommune() -> None:
    decision = route(make_input(queue="wohngeld", facts={"postcode": ["26160"]}), CONFIG)
    assert (decision.queue, decision.action, decision.referral_to) == ("extern", "refer", "andere Kommune")
    # The mail template names who is responsible; the rule adds only why (said once, #14).
    assert decision.reply_text == "Maßgeblich ist dafür Ihre Anschrift."


def test_default_vorrang_old_age_goes_to_sozialamt() -> None:
    inp = make_input("Ich bin 70 Jahre alt und brauche Geld zum Leben.", queue="jobcenter", intent="antrag")
    decision = route(inp, CONFIG)
    assert decision.queue == "sozialamt"
    assert decision.deciding_rule == "vorrang_grundsicherung_im_alter"
    assert "vorrang_sgb_xii" in decision.tags


def test_default_young_applicant_stays_with_jobcenter() -> None:
    inp = make_input("Ich bin 30 Jahre alt und brauche Geld zum Leben.", queue="jobcenter", intent="antrag")
    assert route(inp, CONFIG).queue == "jobcenter"


def test_default_unsure_classifier_goes_to_clearing() -> None:
    decision = route(make_input(confidence=0.3), CONFIG)
    assert (decision.queue, decision.action) == ("clearing", "clearing")


def test_default_extern_carries_the_body() -> None:
    decision = route(make_input(queue="extern", referral_to="Familienkasse", intent="antrag"), CONFIG)
    assert (decision.queue, decision.action, decision.referral_to) == ("extern", "refer", "Familienkasse")
    assert decision.reply_text is None  # the mail template names the body, once (#14)


@pytest.mark.parametrize(
    ("queue", "intent", "action"),
    [
        ("jobcenter", "unterlagen", "auto_process"),
        ("wohngeld", "weiterbewilligung", "auto_process"),
        ("jobcenter", "termin", "offer_appointment"),
        ("eingliederungshilfe", "antrag", "offer_appointment"),
        ("schuldnerberatung", "auskunft", "offer_appointment"),
        ("suchtberatung", "termin", "offer_appointment"),
    ],
)
def test_default_follow_up_by_leistungsform(queue: str, intent: str, action: str) -> None:
    decision = route(make_input(queue=queue, intent=intent), CONFIG)
    assert (decision.queue, decision.action) == (queue, action)


def test_default_urgency_orders_first() -> None:
    notlage = {"kind": "notlage", "label": "Notlage", "trigger": "stromsperre"}
    frist = {"kind": "frist", "label": "Frist", "trigger": "widerspruch"}
    decision = route(make_input(urgent=True, urgent_reasons=[frist, notlage]), CONFIG)
    assert decision.priority == 2 and {"frist", "notlage"} <= set(decision.tags)
    assert decision.urgent


def test_default_eingliederungshilfe_application_carries_two_week_deadline() -> None:
    decision = route(make_input(queue="eingliederungshilfe", intent="antrag"), CONFIG)
    assert decision.deadline_days == 14


def test_a_rule_marking_an_item_urgent_confirms_the_models_guess() -> None:
    guess = {"kind": "notlage", "label": "Notlage (aus dem Zusammenhang erkannt)", "trigger": "Monat",
             "by_model": True}
    guessed = make_input(urgent=True, urgent_guessed=True, urgent_reasons=[guess])
    assert route(guessed, CONFIG).urgent_guessed
    decision = one_rule("{channel: email}", "{urgent: true}").route(guessed)
    assert decision.urgent and not decision.urgent_guessed
    assert "vielleicht dringend" in route(guessed, CONFIG).explanation[0]
