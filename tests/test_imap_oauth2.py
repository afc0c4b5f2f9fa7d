"""XOAUTH2 for IMAP against a real Dovecot whose ``oauth2`` passdb checks each token at a local
token introspection endpoint; eingang gets its tokens from a local client-credentials token
endpoint (as from Microsoft 365's ``/oauth2/v2.0/token``)."""

from __future__ import annotations

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest

from connectors import imap_oauth
from connectors.imap import MailboxPoller
from store.settings import ImapMailbox
from tests.dovecot import dovecot
from tests.test_imap import citizen_mail, item_count

CLIENT_ID, CLIENT_SECRET = "eingang-app", "geheimnis-der-kommune"
SCOPE = "https://outlook.office365.com/.default"
USERS = ["wohngeld", "jobcenter", "sozialamt", "bafoeg"]


class AuthorizationServer:
    """Token endpoint (client credentials) and RFC 7662 introspection, on loopback."""

    def __init__(self) -> None:
        self.tokens: dict[str, float] = {}  # token -> expiry (time.time())
        self.issued = 0
        self.lifetime = 3600
        # The mailbox the application is granted (Dovecot's introspection request names only
        # the token, and Dovecot checks that the answer names the user logging in).
        self.granted = ""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                status, body = server.answer(self.path, form)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.http.server_address[1]}"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def answer(self, path: str, form: dict[str, str]) -> tuple[int, dict]:
        if path == "/token":
            if form.get("grant_type") != "client_credentials":
                return 400, {"error": "unsupported_grant_type"}
            if (form.get("client_id"), form.get("client_secret")) != (CLIENT_ID, CLIENT_SECRET):
                return 401, {"error": "invalid_client"}
            if form.get("scope") != SCOPE:
                return 400, {"error": "invalid_scope"}
            token = secrets.token_urlsafe(24)
            self.tokens[token] = time.time() + self.lifetime
            self.issued += 1
            return 200, {"access_token": token, "token_type": "Bearer", "expires_in": self.lifetime}
        if path == "/introspect":  # asked by Dovecot for every login
            expiry = self.tokens.get(form.get("token", ""))
            if expiry is None or expiry < time.time():
                return 200, {"active": False}
            return 200, {"active": True, "client_id": CLIENT_ID, "username": self.granted}
        return 404, {"error": "not_found"}

    def revoke_all(self) -> None:
        self.tokens.clear()


@pytest.fixture(scope="module")
def authz():
    server = AuthorizationServer()
    yield server
    server.http.shutdown()


@pytest.fixture(scope="module")
def server(authz):
    with dovecot(USERS, oauth2_introspection_url=f"{authz.base}/introspect") as srv:
        yield srv


@pytest.fixture(autouse=True)
def fresh_tokens(authz):
    imap_oauth._cache.clear()
    authz.lifetime = 3600
    yield
    imap_oauth._cache.clear()


def oauth_mailbox(server, authz, user: str, **overrides) -> ImapMailbox:
    authz.granted = user
    values = dict(
        name=user, host="127.0.0.1", port=server.port, security="none", user=user,
        address=f"{user}@stadt.example", auth="oauth2",
        oauth2_token_url=f"{authz.base}/token", oauth2_client_id=CLIENT_ID,
        oauth2_client_secret=CLIENT_SECRET, oauth2_scope=SCOPE,
    )
    return ImapMailbox(**(values | overrides))


def test_mailbox_is_read_with_a_client_credentials_token(server, authz, settings):
    # Given two mails in a mailbox that only accepts OAuth2 tokens (no password configured)
    server.deliver("wohngeld", citizen_mail(1))
    server.deliver("wohngeld", citizen_mail(2))
    box = oauth_mailbox(server, authz, "wohngeld")
    before = authz.issued
    # When it is polled twice
    first = MailboxPoller(box, settings).poll_once()
    server.deliver("wohngeld", citizen_mail(3))
    second = MailboxPoller(box, settings).poll_once()
    # Then all mail is read, with one token from the endpoint (cached for the second login)
    assert (first.created, second.created) == (2, 1)
    assert item_count(settings) == 3
    assert authz.issued - before == 1
    assert "method=XOAUTH2" in server.log()


def test_a_token_is_renewed_before_it_expires(server, authz, settings):
    authz.lifetime = 2  # cached for 1.8 s (10 % margin)
    box = oauth_mailbox(server, authz, "jobcenter")
    before = authz.issued
    MailboxPoller(box, settings).poll_once()
    time.sleep(2.1)
    server.deliver("jobcenter", citizen_mail(1))
    assert MailboxPoller(box, settings).poll_once().created == 1
    assert authz.issued - before == 2


def test_a_revoked_token_is_replaced_once(server, authz, settings):
    box = oauth_mailbox(server, authz, "sozialamt")
    MailboxPoller(box, settings).poll_once()
    before = authz.issued
    # The cached token is revoked at the identity provider (rights changed, key rolled)
    authz.revoke_all()
    server.deliver("sozialamt", citizen_mail(1))
    assert MailboxPoller(box, settings).poll_once().created == 1
    assert authz.issued - before == 1


def test_wrong_client_secret_reads_nothing_and_says_why(server, authz, settings):
    server.deliver("bafoeg", citizen_mail(1))
    box = oauth_mailbox(server, authz, "bafoeg", oauth2_client_secret="falsch")
    with pytest.raises(imap_oauth.TokenError) as failed:
        MailboxPoller(box, settings).poll_once()
    message = str(failed.value)
    assert "HTTP 401, invalid_client" in message and "falsch" not in message
    assert item_count(settings) == 0 and len(server.uids("bafoeg")) == 1
    # with the right secret the same mail is read
    assert MailboxPoller(oauth_mailbox(server, authz, "bafoeg"), settings).poll_once().created == 1


def test_dovecot_refuses_a_token_granted_for_another_mailbox(server, authz, settings):
    from imapclient.exceptions import LoginError

    box = oauth_mailbox(server, authz, "bafoeg")
    authz.granted = "jobcenter"  # the application may read jobcenter@, not bafoeg@
    with pytest.raises(LoginError):
        MailboxPoller(box, settings).poll_once()
