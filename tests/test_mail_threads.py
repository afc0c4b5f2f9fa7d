"""Replies join their case; the same mail twice is one item; our own mails thread back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from connectors.gateway import accept
from store.db import session_scope
from store.enums import Channel
from store.intake import Incoming
from store.mail_identity import mail_identity
from store.models import Event, Item, OutboxMessage, Receipt
from store.settings import get_settings
from tests.services import free_port
from worker.mail import email_message

MAIL = (
    b"From: Erika Mustermann <erika@example.org>\r\n"
    b"To: wohngeld@stadt.example, sozialamt@stadt.example\r\n"
    b"Subject: Antrag auf Wohngeld\r\n"
    b"Date: Mon, 3 Nov 2025 10:00:00 +0100\r\n"
    b"Message-ID: <antrag-1@example.org>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    b"Ich beantrage Wohngeld f\xc3\xbcr meine Wohnung in 26123 Oldenburg.\r\n"
)


def incoming(content: bytes, mailbox: str, external_id: str | None = None) -> Incoming:
    return Incoming(
        channel=Channel.EMAIL, content=content, media_type="message/rfc822",
        received_at=datetime.now(UTC), mailbox=mailbox, external_id=external_id,
    )


def delivered_to(mailbox: str, content: bytes = MAIL) -> bytes:
    """The copy a mailbox holds: trace headers added on the way differ per copy."""
    return (
        f"Return-Path: <erika@example.org>\r\nDelivered-To: {mailbox}\r\n"
        f"Received: from mx.example.org by {mailbox.split('@')[1]}; Mon, 3 Nov 2025 10:00:01 +0100\r\n"
    ).encode() + content


def test_mail_identity_ignores_trace_headers_but_not_content():
    a, b = delivered_to("wohngeld@stadt.example"), delivered_to("sozialamt@stadt.example")
    assert a != b and mail_identity(a) == mail_identity(b) is not None
    assert mail_identity(MAIL.replace(b"Wohnung", b"Wohnungen")) != mail_identity(MAIL)
    assert mail_identity(MAIL.replace(b"Message-ID: <antrag-1@example.org>\r\n", b"")) is None


def test_same_mail_in_two_mailboxes_is_one_item_with_two_receipts(settings):
    first, created1 = accept(incoming(delivered_to("wohngeld@stadt.example"), "wohngeld@stadt.example"), settings)
    second, created2 = accept(incoming(delivered_to("sozialamt@stadt.example"), "sozialamt@stadt.example"), settings)
    assert (created1, created2) == (True, False) and first == second
    with session_scope(settings) as session:
        assert session.query(Item).count() == 1
        paths = sorted(session.scalars(select(Receipt.path)))
        assert paths == ["sozialamt@stadt.example", "wohngeld@stadt.example"]
        kinds = list(session.scalars(select(Event.kind).where(Event.item_id == first)))
        assert kinds == ["received", "received_again"]


def test_same_message_id_with_other_content_is_another_item(settings):
    accept(incoming(MAIL, "wohngeld@stadt.example"), settings)
    _, created = accept(incoming(MAIL.replace(b"Wohnung", b"Mietwohnung"), "wohngeld@stadt.example"), settings)
    assert created


def _reply(headers: str, body: str = "Hier die fehlenden Unterlagen.") -> bytes:
    return (
        "From: Erika Mustermann <erika@example.org>\r\nTo: wohngeld@stadt.example\r\n"
        f"Message-ID: <reply-{abs(hash(headers))}@example.org>\r\n{headers}\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def _item(settings, item_id: int) -> Item:
    with session_scope(settings) as session:
        item = session.get(Item, item_id)
        session.expunge(item)
        return item


def test_reply_by_in_reply_to_joins_the_case(settings, pipeline):
    case_id, _ = accept(incoming(MAIL, "wohngeld@stadt.example"), settings)
    pipeline.drain()
    reply_id, _ = accept(
        incoming(_reply("Subject: Re: Antrag auf Wohngeld\r\nIn-Reply-To: <antrag-1@example.org>"), "wohngeld@stadt.example"),
        settings,
    )
    # a reply to the reply still belongs to the first item's case
    second_id, _ = accept(
        incoming(
            _reply(
                "Subject: Re: Re: Antrag\r\nReferences: <antrag-1@example.org> <reply-x@example.org>\r\n"
                "In-Reply-To: <nowhere@example.org>",
                "Noch eine Frage.",
            ),
            "wohngeld@stadt.example",
        ),
        settings,
    )
    pipeline.drain()
    assert _item(settings, reply_id).thread_id == case_id
    assert _item(settings, second_id).thread_id == case_id
    assert _item(settings, case_id).thread_id is None


def test_reply_with_our_reference_in_the_subject_joins_the_case(settings, pipeline):
    case_id, _ = accept(incoming(MAIL, "wohngeld@stadt.example"), settings)
    pipeline.drain()
    reference = _item(settings, case_id).reference
    reply_id, _ = accept(
        incoming(_reply(f"Subject: AW: Ihre Nachricht [{reference}]"), "wohngeld@stadt.example"),
        settings,
    )
    unrelated_id, _ = accept(incoming(_reply("Subject: Neue Frage"), "wohngeld@stadt.example"), settings)
    pipeline.drain()
    assert _item(settings, reply_id).thread_id == case_id
    assert _item(settings, unrelated_id).thread_id is None


class Sink:
    """A receiving SMTP server that records what it gets."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append(envelope.original_content)
        return "250 OK"


@pytest.fixture
def sink_port(settings, monkeypatch):
    from store.settings import get_settings

    port = free_port()
    monkeypatch.setenv("EINGANG_MAIL_RELAY", f"127.0.0.1:{port}")
    monkeypatch.setenv("EINGANG_MAIL_FROM", "Stadt Oldenburg <eingang@stadt.example>")
    get_settings.cache_clear()
    return port


def test_outgoing_mail_is_retried_and_threads_back(settings, sink_port, pipeline):
    from extraction import extract
    from worker import outbox

    case_id, _ = accept(incoming(MAIL, "wohngeld@stadt.example"), settings)
    pipeline.drain()
    reference = _item(settings, case_id).reference
    with session_scope(settings) as session:
        message = email_message(
            case_id, f"test-ack:{case_id}", "erika@example.org", "Eingangsbestätigung",
            "Wir haben Ihre Nachricht erhalten.",
        )
        session.add(message)
        session.flush()
        message_id = message.id

    # the mail server is down: the attempt fails and is scheduled again
    assert outbox.deliver(message_id, get_settings()) is False
    with session_scope(settings) as session:
        pending = session.get(OutboxMessage, message_id)
        assert (pending.status, pending.attempts) == ("pending", 1) and pending.last_error
        session.execute(
            update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=sink_port)
    controller.start()
    try:
        assert outbox.deliver(message_id, get_settings()) is True
    finally:
        controller.stop()
    sent = extract(sink.messages[0], "message/rfc822").headers
    assert sent.subject == f"Eingangsbestätigung [{reference}]"
    assert sent.in_reply_to == "<antrag-1@example.org>"
    assert sent.message_id.startswith(f"<{reference}.") and sent.message_id.endswith("@stadt.example>")
    assert sent.references == ["<antrag-1@example.org>"]

    # the citizen answers our mail; their program drops our reference from the subject
    reply_id, _ = accept(
        incoming(_reply(f"Subject: Re: Danke\r\nIn-Reply-To: {sent.message_id}"), "wohngeld@stadt.example"),
        settings,
    )
    pipeline.drain()
    assert _item(settings, reply_id).thread_id == case_id


def test_attachment_text_is_in_the_items_full_text_once(settings, pipeline):
    mail_with_attachment = (
        b"From: erika@example.org\r\nTo: wohngeld@stadt.example\r\nSubject: Unterlagen\r\n"
        b"Message-ID: <unterlagen-1@example.org>\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nAnbei der Mietvertrag.\r\n"
        b'--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Disposition: attachment; filename="miete.txt"\r\n\r\n'
        b"Kaltmiete 450 Euro, Nebenkosten 120 Euro.\r\n--b--\r\n"
    )
    item_id, _ = accept(incoming(mail_with_attachment, "wohngeld@stadt.example"), settings)
    pipeline.drain()
    item = _item(settings, item_id)
    assert item.text == "Anbei der Mietvertrag."
    assert item.full_text.count("Kaltmiete 450 Euro") == 1
