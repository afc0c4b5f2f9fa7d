"""SMTP intake hardening: no open relay, 552, 451 on storage failure, limits, AUTH, STARTTLS."""

from __future__ import annotations

import smtplib
import ssl
import subprocess

import pytest
from sqlalchemy import func, select

import connectors.smtp as smtp_module
from connectors.smtp import make_controller
from store.db import session_scope
from store.models import Item
from tests.mails import WOHNGELD, citizen_mail
from tests.services import free_port


@pytest.fixture
def serve_smtp(settings):
    """Start our SMTP server with some settings changed; yields its port."""
    controllers = []

    def start(**changes) -> int:
        port = free_port()
        controller = make_controller(settings.model_copy(update=changes), port)
        controller.start()
        controllers.append(controller)
        return port

    yield start
    for controller in controllers:
        controller.stop()


def items(settings) -> int:
    with session_scope(settings) as session:
        return session.scalar(select(func.count(Item.id)))


def send(port: int, to: str = "eingang@eingang.local", **login) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        if login:
            client.login(login["user"], login["password"])
        client.send_message(citizen_mail(*WOHNGELD, to=to))


def test_only_our_domains_and_configured_addresses(serve_smtp, settings):
    port = serve_smtp(smtp_domains="eingang.local", smtp_recipients="wohngeld@rathaus.example")
    send(port, to="irgendwer@eingang.local")
    send(port, to="Wohngeld@Rathaus.example")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(port, to="sozialamt@rathaus.example")
    with pytest.raises(smtplib.SMTPRecipientsRefused):
        send(port, to="victim@elsewhere.example")
    assert items(settings) == 2


def test_250_means_committed(serve_smtp, settings):
    port = serve_smtp()
    send(port)
    assert items(settings) == 1  # right after the 250, not eventually


def test_too_large_is_refused_with_552(serve_smtp, settings):
    port = serve_smtp(smtp_max_message_bytes=2000)
    msg = citizen_mail("Groß", "Zeile mit Text\n" * 400)
    # smtplib announces SIZE, so the refusal comes at MAIL FROM already
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client, pytest.raises(
        smtplib.SMTPSenderRefused
    ) as refused:
        client.send_message(msg)
    assert refused.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        client.esmtp_features.pop("size", None)  # a client that ignores SIZE
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("a@example.org", ["eingang@eingang.local"], msg.as_bytes())
    assert refused.value.smtp_code == 552
    assert items(settings) == 0


def test_storage_down_answers_451_and_stores_nothing(serve_smtp, settings, monkeypatch):
    def broken(incoming, settings_):
        raise OSError("database unreachable")

    monkeypatch.setattr(smtp_module, "accept", broken)
    port = serve_smtp()
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(port)
    assert refused.value.smtp_code == 451
    assert items(settings) == 0


def test_connection_limit_answers_421(serve_smtp):
    port = serve_smtp(smtp_max_connections=1)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as first:
        first.noop()
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", port, timeout=30)
        assert refused.value.smtp_code == 421
    send(port)  # the slot is free again


def test_rate_limit_per_client(serve_smtp, settings):
    port = serve_smtp(smtp_rate_per_minute=2)
    send(port)
    send(port)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(port)
    assert refused.value.smtp_code == 451
    assert items(settings) == 2


def test_auth_required(serve_smtp, settings):
    port = serve_smtp(smtp_auth_users="rathaus:geheim", smtp_auth_required=True)
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(port)
    assert refused.value.smtp_code == 530
    with pytest.raises(smtplib.SMTPAuthenticationError):
        send(port, user="rathaus", password="falsch")
    send(port, user="rathaus", password="geheim")
    assert items(settings) == 1


def test_starttls_required(serve_smtp, settings, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=eingang", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    port = serve_smtp(smtp_tls_cert=cert, smtp_tls_key=key, smtp_require_tls=True)
    with pytest.raises(smtplib.SMTPException):
        send(port)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.starttls(context=context)
        client.send_message(citizen_mail(*WOHNGELD, to="eingang@eingang.local"))
    assert items(settings) == 1
