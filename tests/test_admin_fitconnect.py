"""FIT-Connect destinations in the admin console: keys made in eingang (public halves shown for
the Self-Service-Portal, private ones and secrets never), audited, and used by the subscriber
against the stand-in without a restart."""

from __future__ import annotations

import html
import json
import re
import uuid

from jwcrypto import jwk
from sqlalchemy import select

from store.db import session_scope
from store.models import AuditEvent, FitConnectDestinationConfig
from store.settings import get_settings
from tests.fitconnect_standin import Destination, Server, StandIn
from tests.test_fitconnect import FORM, SCHEMAS
from tests.web import client_for, create_users, post_form


def test_console_destination_with_generated_keys_picks_up(settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from connectors.fitconnect import pick_up_now

    monkeypatch.setenv("EINGANG_FITCONNECT_SCHEMA_DIR", str(SCHEMAS))
    get_settings.cache_clear()
    create_users()
    service = StandIn()
    server = Server(service)
    try:
        destination_id = str(uuid.uuid4())
        admin = client_for("chef")
        # Given an admin enters the destination and lets eingang make the key pairs
        values = {"name": "ozg", "destination_id": destination_id, "api_url": server.url,
                  "token_url": f"{server.url}/token", "client_id": service.client_id,
                  "client_secret": service.client_secret, "callback_secret": "cb-geheim-1234567890",
                  "queue_hint": "", "poll_interval": "", "active": "1", "generate_keys": "1"}
        answer = post_form(admin, "/admin/kanaele/fitconnect", "/admin/kanaele/fitconnect", values)
        assert answer.status_code == 303, answer.text
        page = admin.get(answer.headers["location"]).text
        # Then the page shows the public keys and the callback URL, never a secret or private key
        keys = [jwk.JWK.from_json(html.unescape(k)) for k in re.findall(r'<pre class="jwk">(.*?)</pre>', page, re.S)]
        assert len(keys) == 2 and not any(k.has_private for k in keys)
        assert service.client_secret not in page and "cb-geheim" not in page and '"d":' not in page
        assert "/fitconnect/callback/ozg" in page
        assert "ozg" in admin.get("/admin/kanaele").text
        # … the secrets are stored encrypted
        with session_scope(get_settings()) as session:
            row = session.get(FitConnectDestinationConfig, "ozg")
            assert service.client_secret not in row.client_secret_encrypted
            # A plain JWK would show its fields; the encrypted token is base64 and has no quotes
            # ("RSA" alone turned up by chance in one token of about a hundred).
            assert '"kty"' not in row.encryption_key_encrypted and '"d"' not in row.encryption_key_encrypted
            assert session.scalars(select(AuditEvent).where(
                AuditEvent.action == "config.fitconnect_saved")).first() is not None
        # When the Kommune registers the public keys and a submission arrives
        enc = next(k for k in keys if json.loads(k.export_public()).get("alg") == "RSA-OAEP-256")
        sig = next(k for k in keys if json.loads(k.export_public()).get("alg") == "PS512")
        service.destinations[destination_id] = Destination(enc, sig)
        submission_id = service.submit(destination_id, FORM, [])
        result = pick_up_now(get_settings(), "ozg")
        # Then the console destination decrypts it and accepts it, signed with its own key
        assert result is not None and result.accepted == 1
        [decision] = service.decisions(submission_id)
        assert decision["iss"] == destination_id
        # … and other roles cannot open the page
        assert client_for("es").get("/admin/kanaele/fitconnect").status_code in (403, 404)
    finally:
        server.stop()


def test_console_refuses_incomplete_input_in_german(settings) -> None:  # type: ignore[no-untyped-def]
    create_users()
    admin = client_for("chef")
    answer = post_form(admin, "/admin/kanaele/fitconnect", "/admin/kanaele/fitconnect",
                       {"name": "OZG!", "destination_id": "keine-uuid", "api_url": "ftp://x",
                        "token_url": "", "client_id": "", "active": "1"})
    assert answer.status_code == 400
    assert "Destination-ID aus dem Self-Service-Portal" in answer.text
    assert "privaten Entschlüsselungsschlüssel" in answer.text
    with session_scope(get_settings()) as session:
        assert session.scalars(select(FitConnectDestinationConfig)).first() is None
