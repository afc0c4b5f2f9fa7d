"""What the office already knows: a known identifier or the sender's earlier items route to
the office holding the case, ahead of the classifier, with the reason shown — over real SMTP
sessions; and the precedence rules (shared addresses, identifier over sender, the latest human
decision, Clearing/extern, a clearly different matter) on their own."""

from __future__ import annotations

import smtplib

import pytest
from sqlalchemy import select

from classifier import ClassifyRequest, load_classifier
from domain import default_catalogue
from routing import RoutingConfig, RoutingInput, route
from store.db import session_scope
from store.models import Item
from store.settings import get_settings
from tests.mails import WOHNGELD, citizen_mail
from tests.services import settle
from tests.web import client_for, create_users
from worker.known_case import Earlier, _row, holding_office

ANNA = "anna.schulz@example.org"
NO_BENEFIT = ("Unterlagen", "Guten Tag,\nanbei sende ich Ihnen die Unterlagen, um die Sie mich gebeten "
              "haben.\nViele Grüße\nAnna Schulz")
CONFIG = RoutingConfig(postcodes=frozenset({"26123"}))
OLDENBURG = default_catalogue()


def deliver(port: int, pipeline, subject: str, body: str, sender: str = ANNA) -> Item:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(citizen_mail(subject, body, sender=sender))
    settle(pipeline)
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item).order_by(Item.id.desc())).first()
        session.expunge(item)
        return item


def test_second_mail_of_a_known_sender_without_a_benefit_name_goes_to_her_office(
    settings, smtp_port, pipeline
):
    # Without history, the text alone names no office: the classifier cannot tell
    alone = load_classifier().classify(ClassifyRequest(text=NO_BENEFIT[1], subject=NO_BENEFIT[0]))
    assert alone.queue != "wohngeld"
    # Given Anna's Wohngeld application
    first = deliver(smtp_port, pipeline, *WOHNGELD)
    assert first.queue == "wohngeld"
    # When she sends her documents in a second mail (no reference, no benefit named)
    second = deliver(smtp_port, pipeline, *NO_BENEFIT)
    # Then it goes to the Wohngeldstelle, decided by what the office knows, with the reason
    assert (second.status, second.queue, second.thread_id) == ("routed", "wohngeld", None)
    assert second.decision["deciding_rule"] == "bestandskunde"
    reason = f"Bestandskunde: letzter Vorgang {first.reference} bei der Wohngeldstelle"
    assert second.decision["known_case"]["reason"] == reason
    create_users()
    assert reason in client_for("es").get(f"/items/{second.id}").text


def test_a_known_identifier_routes_ahead_of_the_classifier_and_the_senders_history(
    settings, smtp_port, pipeline
):
    # Given Anna's Wohngeld item, and a Betreuer's earlier mail with a Jobcenter Kundennummer
    deliver(smtp_port, pipeline, *WOHNGELD)
    jobcenter = deliver(smtp_port, pipeline, "Unterlagen", "Anbei der Nachweis. Kundennummer 123D456789",
                        sender="betreuer@example.net")
    assert (jobcenter.case_ref, jobcenter.queue) == ("123D456789", "jobcenter")
    # When Anna writes about her rent, naming that Kundennummer
    item = deliver(smtp_port, pipeline, "Miete", "Meine Miete wurde erhöht, der neue Mietvertrag liegt bei. "
                   "Kundennummer 123D456789")
    # Then the identifier wins over the classifier and over her Wohngeld history
    assert item.queue == "jobcenter" and item.decision["deciding_rule"] == "bestandskunde"
    assert item.decision["known_case"]["basis"] == "identifier"
    assert item.decision["known_case"]["reason"].startswith(
        f"Bestandskunde: Kundennummer 123D456789, letzter Vorgang {jobcenter.reference} beim Jobcenter")


def test_a_shared_address_is_no_bestandskunde(settings, smtp_port, pipeline):
    # Given a counselling service that wrote for clients of two offices
    service = "beratung@diakonie.example"
    first = deliver(smtp_port, pipeline, *WOHNGELD, sender=service)
    other = deliver(smtp_port, pipeline, "Weiterbewilligung", "Für unsere Klientin beantragen wir die "
                    "Weiterbewilligung des Bürgergelds (Grundsicherungsgeld).", sender=service)
    assert {first.queue, other.queue} == {"wohngeld", "jobcenter"}
    # When it sends documents without naming the office
    item = deliver(smtp_port, pipeline, *NO_BENEFIT, sender=service)
    # Then its history does not decide, and the reason says why
    assert item.decision["deciding_rule"] != "bestandskunde"
    assert item.decision["known_case"]["queue"] is None
    assert "mehreren Ämtern" in item.decision["known_case"]["reason"]


# --- the precedence on its own --------------------------------------------------------------


def test_the_latest_human_decision_wins_and_clearing_or_extern_hold_no_case():
    rows = [Earlier("EIN-3", "clearing", None, False), Earlier("EIN-2", "sozialamt", None, True),
            Earlier("EIN-1", "jobcenter", None, False)]
    held, why = holding_office(rows, OLDENBURG)
    assert (held.queue, held.reference, held.human, why) == ("sozialamt", "EIN-2", True, None)
    # a machine decision after the human one that disagrees is disagreement again
    held, why = holding_office([Earlier("EIN-4", "jobcenter", None, False), *rows], OLDENBURG)
    assert held is None and "mehreren Ämtern" in why
    assert holding_office([Earlier("EIN-5", "extern", None, False)], OLDENBURG) == (None, None)
    # the Clearing-Stelle's decision is a human decision too
    assert _row("EIN-8", "wohngeld", None, {"decided_by": "web:clara"}).human
    # one office but several case numbers: a Betreuer writing for several clients
    held, why = holding_office([Earlier("EIN-7", "jobcenter", "123D456789", False),
                                Earlier("EIN-6", "jobcenter", "123D000001", False)], OLDENBURG)
    assert held is None and "verschiedenen Aktenzeichen" in why


def _routed(queue: str, confidence: float, known: dict | None, abstained: bool = False):
    classification = {"queue": queue, "confidence": confidence, "intent": "unterlagen",
                      "abstained": abstained, "facts": {}, "urgent": False}
    return route(RoutingInput("email", "Unterlagen", "Anbei.", classification, known_case=known), CONFIG)


KNOWN = {"queue": "wohngeld", "basis": "sender", "reference": "EIN-2026-000001",
         "reason": "Bestandskunde: letzter Vorgang EIN-2026-000001 bei der Wohngeldstelle"}


def test_a_clearly_different_matter_goes_where_the_classifier_says():
    # A weak or abstaining classifier: the known office
    assert _routed("clearing", 0.3, KNOWN, abstained=True).queue == "wohngeld"
    assert _routed("jobcenter", 0.6, KNOWN).queue == "wohngeld"
    # A strong, confident signal for another office: the new matter goes there
    decision = _routed("suchtberatung", 0.95, KNOWN)
    assert decision.queue == "suchtberatung" and decision.deciding_rule == "fachamt_vom_klassifikator"
    assert not decision.known_case_decided
    # …and a confident referral outside the Kommune is still a referral
    assert _routed("extern", 0.95, KNOWN).queue in ("extern", "clearing")
    # Without anything known, nothing changes
    assert _routed("jobcenter", 0.6, None).queue == "jobcenter"


def test_admins_can_switch_the_rule_off():
    from routing import Router, default_rules_text

    text = default_rules_text().replace("  - name: bestandskunde\n", "  - name: bestandskunde\n    enabled: false\n")
    router = Router.from_yaml(text, CONFIG)
    classification = {"queue": "jobcenter", "confidence": 0.6, "intent": "unterlagen", "facts": {}}
    decision = router.route(RoutingInput("email", "U", "Anbei.", classification, known_case=KNOWN))
    assert decision.queue == "jobcenter"


def test_rule_simulation_on_stored_items_sees_what_the_worker_knew(settings, smtp_port, pipeline):
    from routing import Router, default_rules_text
    from services.rules import simulate_stored
    from worker.rules import routing_config

    # Given a second mail routed by what the office knew
    deliver(smtp_port, pipeline, *WOHNGELD)
    second = deliver(smtp_port, pipeline, *NO_BENEFIT)
    assert second.decision["deciding_rule"] == "bestandskunde"
    # When the unchanged rules are simulated on the stored items, nothing changes; without
    # the rule, that item would change
    config = routing_config(get_settings())
    same = Router.from_yaml(default_rules_text(), config)
    off = Router.from_yaml(default_rules_text().replace(
        "  - name: bestandskunde\n", "  - name: bestandskunde\n    enabled: false\n"), config)
    assert simulate_stored(settings, same, same, None).changes == []
    assert [c.key for c in simulate_stored(settings, same, off, None).changes] == [second.id]


def test_a_letter_quoting_our_reference_goes_to_that_items_office(settings, smtp_port, pipeline):
    from datetime import UTC, datetime

    from connectors.gateway import accept
    from store.enums import Channel
    from store.intake import Incoming

    # Given Anna's Wohngeld item, answered by letter (no mail headers, only the reference)
    first = deliver(smtp_port, pipeline, *WOHNGELD)
    letter = (f"Betreff: Ihr Zeichen {first.reference}\n\nSehr geehrte Damen und Herren,\n"
              "anbei erhalten Sie die gewünschten Kopien.\nMit freundlichen Grüßen\nA. Schulz").encode()
    accept(Incoming(channel=Channel.LETTER, content=letter, media_type="text/plain",
                    received_at=datetime.now(UTC), mailbox="poststelle"), settings)
    settle(pipeline)
    with session_scope(get_settings()) as session:
        item = session.scalars(select(Item).order_by(Item.id.desc())).first()
        assert (item.channel, item.queue) == ("letter", "wohngeld")
        assert item.decision["known_case"] == {
            "queue": "wohngeld", "basis": "reference", "reference": first.reference,
            "reason": f"Nennt Vorgang {first.reference} bei der Wohngeldstelle"}


def test_a_case_number_whose_case_moved_follows_the_case_not_the_classifier(settings, smtp_port, pipeline):
    from admin import actions
    from store.models import User

    # Given a Jobcenter item with a Kundennummer that staff moved to the Sozialamt (the citizen
    # reached the Regelaltersgrenze)
    first = deliver(smtp_port, pipeline, "Weiterbewilligung", "Ich beantrage die Weiterbewilligung. "
                    "Kundennummer 123D456789")
    assert first.queue == "jobcenter"
    with session_scope(get_settings()) as session:
        actions.reroute(session, session.get(Item, first.id), User(username="es", roles=[], queues=[]),
                        "sozialamt", "Regelaltersgrenze erreicht: Grundsicherung im Alter")
    # When a new mail names the number (the classifier, reading it, says Jobcenter)
    text = "Anbei der Nachweis. Kundennummer 123D456789"
    assert load_classifier().classify(ClassifyRequest(text=text, subject="Nachweis")).queue == "jobcenter"
    item = deliver(smtp_port, pipeline, "Nachweis", text, sender="betreuer@example.net")
    # Then it goes where the case is now, decided by the latest human decision
    assert item.queue == "sozialamt" and item.decision["deciding_rule"] == "bestandskunde"
    assert item.decision["known_case"]["reason"] == (
        f"Bestandskunde: Kundennummer 123D456789, letzter Vorgang {first.reference} beim Sozialamt "
        "(von Hand zugeordnet)")


SOZIALPASS = """
  sozialpassnummer:
    label: Sozialpassnummer
    pattern: '\\bSP\\s?\\d{3}\\s?\\d{3}\\b'
    hints: [sp]
    compact: true
"""


def test_an_identifier_format_the_kommune_adds_is_searched_and_names_the_case(settings, smtp_port, pipeline):
    from admin.inbox import InboxFilter, clock_for, inbox_page
    from classifier.versions import PACKAGE_DIR
    from store.models import User

    # Given a Kommune whose facts.yaml (its copy in the data directory) adds a Sozialpassnummer
    bundled = (PACKAGE_DIR / "facts.yaml").read_text(encoding="utf-8")
    own = settings.data_dir / "classifier" / "facts.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(bundled.replace("identifiers:\n", "identifiers:" + SOZIALPASS, 1), encoding="utf-8")
    # and Anna's Wohngeld application naming hers as the pass writes it
    first = deliver(smtp_port, pipeline, WOHNGELD[0], WOHNGELD[1] + "\nSozialpass SP 204 711")
    assert (first.queue, first.case_ref, first.identifiers) == ("wohngeld", "SP204711", "SP204711")
    # When staff search the number as their file has it
    create_users()
    with session_scope(get_settings()) as session:
        es = session.scalars(select(User).where(User.username == "es")).one()
        rows, _ = inbox_page(session, es, InboxFilter(q="SP204711"), clock=clock_for(session, get_settings()))
        # Then they find her item
        assert [r.id for r in rows] == [first.id]
    # When someone else sends documents naming only that number (no office, another address)
    second = deliver(smtp_port, pipeline, NO_BENEFIT[0], NO_BENEFIT[1] + "\nSozialpass SP 204711",
                     sender="nachbarin@example.net")
    # Then it goes to the office holding that case, for that reason
    assert (second.queue, second.decision["deciding_rule"]) == ("wohngeld", "bestandskunde")
    assert second.decision["known_case"]["reason"] == (
        f"Bestandskunde: Sozialpassnummer SP204711, letzter Vorgang {first.reference} bei der Wohngeldstelle")


def test_a_facts_yaml_placed_while_the_worker_runs_takes_effect_with_the_next_item(settings, smtp_port, pipeline):
    from classifier.versions import PACKAGE_DIR

    # Given a running worker that has classified with the bundled formats
    first = deliver(smtp_port, pipeline, WOHNGELD[0], WOHNGELD[1] + "\nSozialpass SP 204 711")
    assert first.case_ref is None
    # When the admin places the Kommune's facts.yaml that adds the Sozialpassnummer
    bundled = (PACKAGE_DIR / "facts.yaml").read_text(encoding="utf-8")
    own = settings.data_dir / "classifier" / "facts.yaml"
    own.parent.mkdir(parents=True, exist_ok=True)
    own.write_text(bundled.replace("identifiers:\n", "identifiers:" + SOZIALPASS, 1), encoding="utf-8")
    # Then the next item is read with it, without a restart
    second = deliver(smtp_port, pipeline, WOHNGELD[0], WOHNGELD[1] + "\nSozialpass SP 204 711",
                     sender="nachbarin@example.net")
    assert (second.case_ref, second.identifiers) == ("SP204711", "SP204711")


@pytest.mark.parametrize("kommune", ["ammerland"], indirect=True)
def test_the_reason_names_the_office_as_the_kommune_calls_it(settings, smtp_port, pipeline, kommune):
    # Given a Landkreis whose Jobcenter is the "Jobcenter Ammerland", and an item of it
    first = deliver(smtp_port, pipeline, "Weiterbewilligung", "Ich beantrage die Weiterbewilligung des "
                    f"Bürgergelds. Kundennummer 123D456789, {kommune.place}")
    assert first.queue == "jobcenter"
    # When another mail names that Kundennummer
    item = deliver(smtp_port, pipeline, "Nachweis", f"Anbei der Nachweis. Kundennummer 123D456789, {kommune.place}",
                   sender="betreuer@example.net")
    # Then the reason says where the case is in the Kommune's own words
    assert item.decision["known_case"]["reason"] == (
        f"Bestandskunde: Kundennummer 123D456789, letzter Vorgang {first.reference} beim Jobcenter Ammerland")
