"""OAuth2 access tokens for IMAP mailboxes (XOAUTH2), e.g. a Microsoft 365 functional mailbox.

The Kommune registers eingang as an application with the OAuth2 client-credentials grant: no
person signs in, the application itself gets a token for the mailboxes it was granted
(Microsoft 365: ``https://outlook.office365.com/.default`` and an Exchange service principal
with access to the mailbox). The token is fetched from the configured token endpoint, cached
until shortly before it expires, shared by all pollers of this process, and dropped when the
server refuses it (revoked), so the next login fetches a fresh one.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx

from store.settings import ImapMailbox

TIMEOUT = 30.0
MAX_MARGIN = 60.0  # renew this long before expiry at most (10 % of the lifetime for short ones)


class TokenError(Exception):
    """No access token: the message (German, no secrets) says why."""


@dataclass(frozen=True)
class _Key:
    token_url: str
    client_id: str
    scope: str


@dataclass
class _Token:
    value: str
    valid_until: float  # time.monotonic()


_cache: dict[_Key, _Token] = {}
_lock = threading.Lock()


def _key(box: ImapMailbox) -> _Key:
    if not box.oauth2_token_url or not box.oauth2_client_id:
        raise TokenError(
            f"Postfach {box.name}: für auth=oauth2 fehlen oauth2_token_url oder oauth2_client_id."
        )
    return _Key(box.oauth2_token_url, box.oauth2_client_id, box.oauth2_scope or "")


def access_token(box: ImapMailbox) -> str:
    """A valid access token for ``box`` (cached; fetched when missing or about to expire)."""
    key = _key(box)
    with _lock:  # one fetch at a time: pollers starting together share the first token
        token = _cache.get(key)
        if token is None or time.monotonic() >= token.valid_until:
            token = _cache[key] = _fetch(key, box)
        return token.value


def forget(box: ImapMailbox) -> None:
    """The server refused the token (revoked, or rights changed): fetch a new one next time."""
    with _lock:
        _cache.pop(_key(box), None)


def _fetch(key: _Key, box: ImapMailbox) -> _Token:
    form = {
        "grant_type": "client_credentials",
        "client_id": key.client_id,
        "client_secret": box.oauth2_client_secret,
    }
    if key.scope:
        form["scope"] = key.scope
    started = time.monotonic()
    try:
        response = httpx.post(key.token_url, data=form, timeout=TIMEOUT)
    except httpx.HTTPError as exc:
        raise TokenError(
            f"Postfach {box.name}: Token-Endpunkt nicht erreichbar ({type(exc).__name__})."
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not isinstance(body.get("access_token"), str):
        # OAuth2 error codes (invalid_client, unauthorized_client …) name the cause, never a secret
        error = str(body.get("error"))[:100] if isinstance(body, dict) and body.get("error") else None
        raise TokenError(
            f"Postfach {box.name}: kein Zugriffstoken vom Token-Endpunkt "
            f"(HTTP {response.status_code}{f', {error}' if error else ''})."
        )
    lifetime = float(body.get("expires_in") or 3600)
    margin = min(MAX_MARGIN, lifetime * 0.1)
    return _Token(body["access_token"], started + max(lifetime - margin, 0.0))
