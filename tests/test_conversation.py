"""A citizen's reply joins its item over real SMTP sessions: no new reference, no second
acknowledgement, the item's office kept, back on top of the inbox with a new message; closed
items reopen; a forged reference does not pull a mail into someone else's case; the item page
shows the whole conversation and the person's other items within the user's queues."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import select

from admin import actions
from store.db import session_scope
from store.models import Event, Item, OutboxMessage, User
from store.settings import get_settings
from tests.mails import WOHNGELD, citizen_mail
from tests.services import free_port, settle
from tests.web import client_for, create_users

CITIZEN = "maria.mueller@example.org"


def send(port: int, mail: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(mail)


def reply_to(ack: EmailMessage, body: str, sender: str = CITIZEN, *, subject: str | None = None,
             threading: bool = True) -> EmailMessage:
    mail = citizen_mail(subject or f"Re: {ack['Subject']}", body, sender=sender)
    if threading:
        mail["In-Reply-To"] = ack["Message-ID"]
        mail["References"] = ack["Message-ID"]
    return mail


def sent_mails(settings) -> list[EmailMessage]:
    """What eingang sent (embedded mode writes outgoing mail to data/mail-out)."""
    folder = settings.data_dir / "mail-out"
    return [message_from_bytes(p.read_bytes(), policy=policy.default)
            for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def items(settings) -> list[Item]:
    with session_scope(settings) as session:
        found = list(session.scalars(select(Item).order_by(Item.id)))
        session.expunge_all()
        return found


def first_case(settings, port, pipeline) -> tuple[Item, EmailMessage]:
    """Given a Wohngeld application over SMTP, routed and acknowledged."""
    send(port, citizen_mail(*WOHNGELD, sender=CITIZEN))
    settle(pipeline)
    [case] = items(settings)
    assert (case.status, case.queue) == ("routed", "wohngeld")
    assert case.activity_at == case.received_at and case.unread_since is None
    [ack] = sent_mails(settings)
    assert case.reference in ack["Subject"]
    return case, ack


def test_reply_to_our_reference_joins_the_item_without_a_second_acknowledgement(
    settings, smtp_port, pipeline
):
    case, ack = first_case(settings, smtp_port, pipeline)
    # And staff moved the item to another office by hand
    with session_scope(settings) as session:
        es = User(username="es", roles=["eingangsservice"], queues=["*"])
        actions.reroute(session, session.get(Item, case.id), es, "sozialamt", "Grundsicherung im Alter")

    # When the citizen answers, without naming any benefit, and her program drops our
    # Message-ID: only "[EIN-…]" in the subject connects the reply to the item
    send(smtp_port, reply_to(ack, "Anbei die fehlenden Kontoauszüge.", threading=False))
    settle(pipeline)

    # Then the reply is a message of that item: no new item in the inbox, the item's office
    case_now, reply = items(settings)
    assert reply.status == "joined" and reply.thread_id == case.id
    assert reply.queue == case_now.queue == "sozialamt"
    assert reply.received_at > case.received_at and case_now.received_at == case.received_at
    # no second acknowledgement, nothing else planned for the reply
    assert len(sent_mails(settings)) == 1
    with session_scope(settings) as session:
        assert not session.scalars(select(OutboxMessage).where(OutboxMessage.item_id == reply.id)).all()
    # the item is back on top of the inbox, marked as having a new message
    assert case_now.activity_at == reply.received_at and case_now.unread_since is not None
    create_users()
    web = client_for("es")
    inbox = web.get("/inbox").text
    assert inbox.count(f'href="/items/{case.id}"') == 1 and "Neue Nachricht" in inbox
    assert f'href="/items/{reply.id}"' not in inbox  # the reply is no row of its own
    # the item page shows the conversation in order, the reply's original downloadable
    page = web.get(f"/items/{case.id}").text
    assert "Unterhaltung (3 Nachrichten)" in page  # the application, our acknowledgement, the reply
    assert page.index("Antrag auf Wohngeld") < page.index(ack["Subject"]) < page.index("fehlenden Kontoauszüge")
    with session_scope(settings) as session:
        original = next(d for d in session.get(Item, reply.id).documents if d.role == "original")
    download = web.get(f"/items/{case.id}/dokumente/{original.id}")
    assert download.status_code == 200 and b"fehlenden Kontoausz" in download.content
    # opening the item clears the mark; the reply's own address leads to the item
    assert items(settings)[0].unread_since is None
    assert web.get(f"/items/{reply.id}").headers["location"] == f"/items/{case.id}#nachricht-{reply.id}"


def test_a_reply_to_a_closed_item_reopens_it(settings, smtp_port, pipeline):
    case, ack = first_case(settings, smtp_port, pipeline)
    with session_scope(settings) as session:
        actions.mark_done(session, session.get(Item, case.id), User(username="es", roles=[], queues=[]))
    # When the citizen answers our mail (threading headers only, subject changed)
    send(smtp_port, reply_to(ack, "Ich habe noch eine Frage zum Bescheid.", subject="Frage"))
    settle(pipeline)
    case_now, reply = items(settings)
    assert reply.status == "joined" and case_now.status == "routed" and case_now.closed_at is None
    with session_scope(settings) as session:
        kinds = list(session.scalars(select(Event.message).where(Event.item_id == case.id)))
    assert any("wieder geöffnet" in (k or "") for k in kinds)
    assert len(sent_mails(settings)) == 1


def test_a_certain_emergency_in_a_reply_settles_the_cases_guessed_urgency(settings, smtp_port, pipeline):
    case, ack = first_case(settings, smtp_port, pipeline)
    with session_scope(settings) as session:  # the model had only guessed the case urgent
        item = session.get(Item, case.id)
        item.urgent, item.urgent_guessed = True, True
        item.urgent_reasons = [{"kind": "notlage", "label": "Notlage (aus dem Zusammenhang erkannt)",
                                "trigger": "Miete", "by_model": True}]
    send(smtp_port, reply_to(ack, "Die Stadtwerke haben angekündigt, morgen den Strom abzustellen."))
    settle(pipeline)
    case_now, reply = items(settings)
    assert reply.status == "joined" and reply.urgent and not reply.urgent_guessed
    assert case_now.urgent and not case_now.urgent_guessed
    assert any("Gassperre" in r["label"] for r in case_now.urgent_reasons), case_now.urgent_reasons


def test_a_reference_from_another_address_does_not_join_but_our_message_id_does(
    settings, smtp_port, pipeline
):
    case, ack = first_case(settings, smtp_port, pipeline)
    # When someone else names the reference in a subject
    send(smtp_port, reply_to(ack, "Ich beantrage ebenfalls Wohngeld (Mietzuschuss), 26123 Oldenburg.",
                             sender="fremd@example.net", threading=False))
    settle(pipeline)
    # Then the mail is an item of its own, with a hint for staff and its own acknowledgement
    _, forged = items(settings)
    assert forged.thread_id is None and forged.status == "routed"
    assert any(case.reference in p and "nicht dem Vorgang zugeordnet" in p for p in forged.problems)
    assert len(sent_mails(settings)) == 2

    # But a reply from a new address that answers the mail we sent joins the item
    send(smtp_port, reply_to(ack, "Ich schreibe jetzt von meiner neuen Adresse.",
                             sender="maria.neu@example.org"))
    settle(pipeline)
    joined = items(settings)[-1]
    assert joined.status == "joined" and joined.thread_id == case.id
    assert len(sent_mails(settings)) == 2


def test_a_reference_we_no_longer_hold_becomes_a_new_item_with_a_note(settings, smtp_port, pipeline):
    send(smtp_port, citizen_mail("AW: Ihr Antrag [EIN-2019-000042]",
                                 "Ich möchte Wohngeld beantragen, 26123 Oldenburg.", sender=CITIZEN))
    settle(pipeline)
    [item] = items(settings)
    assert item.status == "routed" and item.thread_id is None
    assert any("EIN-2019-000042" in p and "nicht (mehr) gespeichert" in p for p in item.problems)


def test_other_items_of_the_person_only_within_the_users_queues(settings, smtp_port, pipeline):
    case, _ = first_case(settings, smtp_port, pipeline)
    # Given two more requests of the same sender, one of them for the Jobcenter
    send(smtp_port, citizen_mail("Weiterbewilligung", "Ich beantrage die Weiterbewilligung "
                                 "meines Bürgergelds. BG-Nummer 26102BG0041877", sender=CITIZEN))
    settle(pipeline)
    other = items(settings)[-1]
    assert other.queue == "jobcenter"
    create_users()
    # The Eingangsservice sees it one click away from the Wohngeld item
    page = client_for("es").get(f"/items/{case.id}").text
    assert f'href="/items/{other.id}"' in page
    # The Jobcenter's staff cannot open the Wohngeld item; Wohngeld staff do not see the
    # Jobcenter item in the list
    assert client_for("jc").get(f"/items/{case.id}").status_code == 404
    with session_scope(settings) as session:
        session.get(Item, other.id).queue = "sozialamt"
    page = client_for("sozial").get(f"/items/{other.id}").text
    assert f'href="/items/{case.id}"' not in page
    assert "Keine weiteren Vorgänge" in page


# The production path only: on embedded SQLite the joining is the tests above (the same SMTP
# intake and pipeline, in-process), and an 'eingang smtp' process in embedded mode is
# test_smtp_pipeline's.
@pytest.mark.parametrize("backend_env", ["postgres"], indirect=True)
def test_reply_joins_its_item_on_the_production_path(eingang, backend_env, tmp_path):
    from tests.services import wait_for_port

    # Given the SMTP intake and a worker process of its own (PostgreSQL + RabbitMQ)
    port = free_port()
    eingang.start("smtp", "--port", str(port), log=tmp_path / "smtp.log")
    eingang.start("worker", "--threads", "2", log=tmp_path / "worker.log")
    wait_for_port(port)
    outgoing = Path(backend_env["EINGANG_DATA_DIR"]) / "mail-out"
    send(port, citizen_mail(*WOHNGELD, sender=CITIZEN))
    [case] = eingang.wait_until(lambda found: found and found[0]["status"] == "routed", timeout=90)
    eingang.wait_until(lambda _: list(outgoing.glob("*.eml")), timeout=90)
    [ack] = [message_from_bytes(p.read_bytes(), policy=policy.default) for p in outgoing.glob("*.eml")]
    # When the citizen answers the acknowledgement
    send(port, reply_to(ack, "Anbei die fehlenden Kontoauszüge."))
    found = eingang.wait_until(lambda found: any(i["status"] == "joined" for i in found), timeout=90)
    # Then it joined the item in its office, and no second acknowledgement went out
    reply = next(i for i in found if i["status"] == "joined")
    assert reply["queue"] == case["queue"] == "wohngeld" and len(found) == 2
    assert len(list(outgoing.glob("*.eml"))) == 1


def test_a_made_up_message_id_of_ours_does_not_join(settings, smtp_port, pipeline):
    case, ack = first_case(settings, smtp_port, pipeline)
    # When someone else fakes the shape of our Message-ID (reference + 24 hex digits)
    forged = citizen_mail("Re: Ihr Antrag", "Bitte schicken Sie mir den Bescheid.", sender="fremd@example.net")
    domain = ack["Message-ID"].rsplit("@", 1)[1]
    forged["In-Reply-To"] = f"<{case.reference}.{'0' * 24}@{domain}"
    send(smtp_port, forged)
    settle(pipeline)
    # Then it is an item of its own with a hint
    _, item = items(settings)
    assert item.thread_id is None and item.status != "joined"
    assert any(case.reference in p for p in item.problems)


def test_a_reply_that_overtakes_its_case_waits_until_the_case_is_routed(settings):
    from store.events import record
    from store.models import utcnow
    from worker import conversation, steps

    # Given a case still being classified, and its reply (linked at extraction) ready to route
    with session_scope(get_settings()) as session:
        case = Item(channel="email", received_at=utcnow(), status="classified", sender=CITIZEN)
        session.add(case)
        session.flush()
        reply = Item(channel="email", received_at=utcnow(), status="classified", sender=CITIZEN,
                     thread_id=case.id, classification={"queue": "clearing"})
        session.add(reply)
        session.flush()
        record(session, reply, "worker:extract", "threaded", "Antwort", thread_id=case.id)
        case_id, reply_id = case.id, reply.id
    # Then the reply's route step waits (it is retried) instead of joining without an office
    with pytest.raises(conversation.CaseNotRoutedYet):
        steps.route_item(reply_id, settings=get_settings())
    with session_scope(get_settings()) as session:
        session.get(Item, case_id).status, session.get(Item, case_id).queue = "routed", "wohngeld"
    steps.route_item(reply_id, settings=get_settings())
    [case_now, reply_now] = items(settings)
    assert (reply_now.status, reply_now.queue) == ("joined", "wohngeld")
    assert case_now.unread_since == reply_now.received_at
