"""SMTP intake hardening: no open relay, 250 only once spooled, 552, 451 on storage failure, limits,
AUTH, STARTTLS."""

from __future__ import annotations

import smtplib
import ssl
import subprocess

import pytest
from sqlalchemy import func, select

from connectors.smtp import make_controller
from store.db import session_scope
from store.models import Item
from tests.mails import WOHNGELD, citizen_mail
from tests.services import free_port, settle, spooled_in


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
    spooled_in()
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


def test_250_means_spooled_with_its_receipt_time(serve_smtp, settings, monkeypatch):
    from datetime import UTC, datetime

    from connectors import gateway
    from connectors.spool import read, segments
    from store.blobs import blob_store
    from store.models import Document, Receipt

    # Given a database that cannot be reached
    working = gateway.session_scope

    def broken(settings_=None, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError("database unreachable")

    monkeypatch.setattr(gateway, "session_scope", broken)
    port = serve_smtp()
    raw = citizen_mail(*WOHNGELD).as_bytes()
    before = datetime.now(UTC)
    # When a mail is delivered, Then the 250 comes: the mail and its receipt time are on disk
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("buerger@example.org", ["eingang@eingang.local"], raw)
    after = datetime.now(UTC)
    [segment] = segments(settings.spool_dir)
    [entry] = list(read(segment))
    assert entry.mail is not None and entry.mail.content.strip() == raw.replace(b"\r\n", b"\n").strip()
    assert before <= entry.mail.received_at <= after
    assert entry.mail.recipients == ["eingang@eingang.local"]
    with session_scope(settings) as session:
        assert session.scalar(select(func.count(Item.id))) == 0
    # And once the database is back the item is made from the spool, with that receipt time
    monkeypatch.setattr(gateway, "session_scope", working)
    assert items(settings) == 1
    with session_scope(settings) as session:
        item = session.scalars(select(Item)).one()
        assert item.received_at == entry.mail.received_at
        assert session.scalar(select(Receipt.external_id)) == f"spool:{segment.name}:0"
        original = session.scalars(select(Document).where(Document.role == "original")).one()
        assert blob_store(settings).get(original.sha256) == entry.mail.content


def test_a_full_spool_disk_answers_451_and_keeps_no_part_of_the_mail(serve_smtp, settings):
    from connectors.spool import read, segments
    from tests.fullfs import fill, small_filesystem

    # Given the spool on a disk of its own that is full
    with small_filesystem(settings.spool_dir, "4m") as spool_dir:
        port = serve_smtp()
        send(port)
        ballast = fill(spool_dir)
        # When a mail comes (larger than the page its segment already has), Then 451: the
        # sending server keeps it and tries again later
        letter = citizen_mail("Antrag auf Wohngeld", WOHNGELD[1] + "\nAnlage folgt.\n" * 2000)
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client, pytest.raises(
            smtplib.SMTPDataError
        ) as refused:
            client.send_message(letter)
        assert refused.value.smtp_code == 451
        assert items(settings) == 1
        # and no torn part of it is left in the spool
        [segment] = segments(spool_dir)
        assert [e.end for e in read(segment, final=True)] == [segment.stat().st_size]
        # Once there is space again, the mail sent again is taken
        ballast.unlink()
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.send_message(letter)
        assert items(settings) == 2


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


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate and key for STARTTLS."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=eingang", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    return cert, key


def tls_client(port: int, cert) -> smtplib.SMTP:
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    client = smtplib.SMTP("127.0.0.1", port, timeout=30)
    client.starttls(context=context)
    client.ehlo()
    return client


RELAY_PASSWORD = "Rathaus-Relay-2026"


@pytest.fixture(scope="module")
def relay_entry() -> str:
    """What an admin puts into EINGANG_SMTP_AUTH_USERS, made by the CLI command."""
    from click.testing import CliRunner

    from eingang.cli import main

    result = CliRunner().invoke(
        main, ["smtp-password", "rathaus"], input=f"{RELAY_PASSWORD}\n{RELAY_PASSWORD}\n"
    )
    assert result.exit_code == 0, result.output
    entry = next(line for line in result.output.splitlines() if line.startswith("rathaus:"))
    assert entry.startswith("rathaus:$argon2id$") and RELAY_PASSWORD not in entry
    return entry


def login(client: smtplib.SMTP, mechanism: str, user: str, password: str) -> None:
    client.user, client.password = user, password
    method = {"PLAIN": client.auth_plain, "LOGIN": client.auth_login}[mechanism]
    client.auth(mechanism, method, initial_response_ok=mechanism == "PLAIN")


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_auth_after_starttls_with_hashed_passwords(
    serve_smtp, settings, tls_files, relay_entry, mechanism
):
    # Given AUTH required, the relay's account stored as an argon2 hash, STARTTLS offered
    cert, key = tls_files
    port = serve_smtp(smtp_auth_users=f"andere:{relay_entry.split(':', 1)[1]} {relay_entry}",
                      smtp_auth_required=True, smtp_tls_cert=cert, smtp_tls_key=key)
    # Before STARTTLS AUTH is neither offered nor accepted
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        assert not client.has_extn("auth")
        assert client.docmd("AUTH", "PLAIN AHJhdGhhdXMAUmF0aGF1cy1SZWxheS0yMDI2")[0] == 538
    # A wrong password and an unknown user are refused, and nothing can be sent without login
    with tls_client(port, cert) as client:
        assert "PLAIN" in client.esmtp_features["auth"] and "LOGIN" in client.esmtp_features["auth"]
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            login(client, mechanism, "rathaus", "falsch-falsch")
        assert refused.value.smtp_code == 535
        with pytest.raises(smtplib.SMTPAuthenticationError):
            login(client, mechanism, "niemand", RELAY_PASSWORD)
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.send_message(citizen_mail(*WOHNGELD, to="eingang@eingang.local"))
        assert refused.value.smtp_code == 530
    # The right password logs in and the mail is taken
    with tls_client(port, cert) as client:
        login(client, mechanism, "rathaus", RELAY_PASSWORD)
        client.send_message(citizen_mail(*WOHNGELD, to="eingang@eingang.local"))
    assert items(settings) == 1


def test_auth_without_tls_only_when_explicitly_allowed(serve_smtp, settings, relay_entry):
    from connectors.smtp_auth import SmtpAuthConfigError

    # Without a certificate, AUTH would send the password in clear: refused at start
    with pytest.raises(SmtpAuthConfigError, match="STARTTLS"):
        serve_smtp(smtp_auth_users=relay_entry)
    # unless the relay sits on a trusted network and the admin says so
    port = serve_smtp(smtp_auth_users=relay_entry, smtp_auth_required=True,
                      smtp_auth_allow_plaintext=True)
    send(port, user="rathaus", password=RELAY_PASSWORD)
    assert items(settings) == 1


def test_plain_passwords_in_the_settings_are_refused(settings):
    from connectors.smtp_auth import SmtpAuthConfigError

    with pytest.raises(SmtpAuthConfigError, match="kein Argon2-Hash"):
        make_controller(settings.model_copy(update={
            "smtp_auth_users": "rathaus:geheim", "smtp_auth_allow_plaintext": True}), free_port())


def test_repeated_auth_failures_lock_the_address(serve_smtp, relay_entry, monkeypatch):
    monkeypatch.setattr("connectors.smtp_auth.MAX_FAILURES", 2)
    port = serve_smtp(smtp_auth_users=relay_entry, smtp_auth_allow_plaintext=True)
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        for _ in range(2):
            with pytest.raises(smtplib.SMTPAuthenticationError):
                login(client, "PLAIN", "rathaus", "geraten-1234")
        # now even the right password is not checked any more from this address
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            login(client, "PLAIN", "rathaus", RELAY_PASSWORD)
        assert refused.value.smtp_code == 454


def test_starttls_required(serve_smtp, settings, tls_files):
    cert, key = tls_files
    port = serve_smtp(smtp_tls_cert=cert, smtp_tls_key=key, smtp_require_tls=True)
    with pytest.raises(smtplib.SMTPException):
        send(port)
    context = ssl.create_default_context(cafile=str(cert))
    context.check_hostname = False
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.starttls(context=context)
        client.send_message(citizen_mail(*WOHNGELD, to="eingang@eingang.local"))
    assert items(settings) == 1


def test_outlook_winmail_dat_becomes_text_and_documents_of_the_item(serve_smtp, settings, pipeline):
    from store.models import Document
    from tests.test_mail_mime import OUTLOOK_BODY, outlook_mail, text_pdf
    from tests.tnef import winmail_dat

    # Given an Outlook mail whose body and scan travel inside winmail.dat
    pdf = text_pdf("Mietbescheinigung für Jürgen Weiß, Kaltmiete 480 Euro")
    raw = outlook_mail(winmail_dat(OUTLOOK_BODY, [("Mietbescheinigung_Müller.pdf", pdf)]))
    # When it is delivered over SMTP and the pipeline has run
    port = serve_smtp()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("juergen@example.org", ["wohngeld@eingang.local"], raw)
    settle(pipeline)  # the item is made from the spool just after the 250
    # Then the item reads the body from winmail.dat and holds its file as a document
    with session_scope(settings) as session:
        item = session.scalars(select(Item)).one()
        docs = {d.filename: d for d in session.scalars(
            select(Document).where(Document.item_id == item.id, Document.role == "attachment"))}
        assert "ich beantrage Wohngeld" in item.text
        assert item.status in ("routed", "done") and item.queue == "wohngeld"
        assert set(docs) == {"winmail.dat", "Mietbescheinigung_Müller.pdf"}
        assert "Kaltmiete 480 Euro" in docs["Mietbescheinigung_Müller.pdf"].text
        assert docs["Mietbescheinigung_Müller.pdf"].media_type == "application/pdf"


@pytest.fixture(params=["postgres", "redis"])
def shared_limit_store(request, settings):
    """Settings changes that give the SMTP servers a shared store for the rate limit."""
    import uuid

    from store.db import upgrade_schema
    from tests.services import postgres_database

    if request.param == "redis":
        yield {"broker_url": "redis://127.0.0.1:6379/0",
               "broker_namespace": f"eingang-test-{uuid.uuid4().hex[:10]}"}
        return
    with postgres_database() as url:
        upgrade_schema(settings.model_copy(update={"database_url": url}))
        yield {"database_url": url}


def test_rate_limit_is_shared_by_two_smtp_servers(serve_smtp, settings, shared_limit_store):
    import time

    changes = shared_limit_store | {"smtp_rate_per_minute": 3}
    first, second = serve_smtp(**changes), serve_smtp(**changes)
    # The shared counters count per calendar minute: do not start just before a new one
    if time.time() % 60 > 50:
        time.sleep(61 - time.time() % 60)
    # Given three messages from one client, spread over both servers
    send(first)
    send(second)
    send(first)
    # Then the fourth is refused by the server that has seen only one of them
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        send(second)
    assert refused.value.smtp_code == 451
    assert items(settings.model_copy(update=changes)) == 3


def test_unreachable_shared_store_does_not_refuse_mail(serve_smtp, settings):
    port = serve_smtp(broker_url="redis://127.0.0.1:1/0", smtp_rate_per_minute=1)
    send(port)
    send(port)  # over the limit, but the limit cannot be counted: mail goes through
    assert items(settings) == 2


def test_the_250_answer_reveals_no_item_number(serve_smtp, settings):
    port = serve_smtp()
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        client.mail("buerger@example.org")
        client.rcpt("eingang@eingang.local")
        code, answer = client.data(citizen_mail(*WOHNGELD).as_bytes())
    assert code == 250
    assert not any(ch.isdigit() for ch in answer.decode().replace("2.0.0", "")), answer


def test_one_client_cannot_take_every_connection(serve_smtp):
    # Given one client holding its share of idle connections
    port = serve_smtp(smtp_max_connections=10, smtp_max_connections_per_client=3)
    idle = [smtplib.SMTP("127.0.0.1", port, timeout=30) for _ in range(3)]
    try:
        # Then its next connection is refused ...
        with pytest.raises(smtplib.SMTPConnectError) as refused:
            smtplib.SMTP("127.0.0.1", port, timeout=30)
        assert refused.value.smtp_code == 421
        # ... while another client still gets through and delivers
        with smtplib.SMTP("127.0.0.1", port, timeout=30, source_address=("127.0.0.2", 0)) as other:
            other.send_message(citizen_mail(*WOHNGELD))
    finally:
        for client in idle:
            client.close()


def test_addresses_read_as_aiosmtpd_reads_them():
    """MAIL/RCPT addresses: the fast path for plain ``<local@domain> PARAMS`` gives exactly what
    aiosmtpd's RFC 5322 parser gives, and everything else still goes to that parser."""
    import itertools

    from aiosmtpd.handlers import Sink
    from aiosmtpd.smtp import SMTP

    from connectors.smtp import _PLAIN_ADDRESS, ConnectionCount, LimitedSMTP

    ours = LimitedSMTP(Sink(), connections=ConnectionCount(10, 10))
    theirs = SMTP(Sink())
    local_parts = ["a", "a.b", "buerger0", "x+tag", "a..b", ".a", "a.", '"q w"', "Ä", "a b", "o'brien", "a(b)"]
    domains = ["b.de", "example.org", "x", "[1.2.3.4]", "a..b", "-x.de", "b.de.", "ex ample.org", "ä.de"]
    rests = ["", " SIZE=123", "  SIZE=1 BODY=8BITMIME", " (c) SIZE=1", " SIZE=1 ", "\tSIZE=1",
             " SMTPUTF8", ' X="q"', " A=(b)"]
    fast = 0
    for lead, local, domain, rest in itertools.product(["", " "], local_parts, domains, rests):
        arg = f"{lead}<{local}@{domain}>{rest}"
        assert ours._getaddr(arg) == theirs._getaddr(arg), arg
        fast += _PLAIN_ADDRESS.fullmatch(arg) is not None
    for arg in ["<>", "a@b.de", "<@relay.example:a@b.de>", "", "<a@b.de", "a@b.de SIZE=1"]:
        assert ours._getaddr(arg) == theirs._getaddr(arg), arg
    assert fast >= 200  # the plain ones did take the fast path
