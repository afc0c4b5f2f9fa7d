"""Secrets kept in the database (mailbox passwords), encrypted at rest with Fernet
(AES-128-CBC + HMAC-SHA256, from ``cryptography``).

The key is derived from ``EINGANG_SECRET_KEY`` with HKDF and a purpose label, so a database
dump alone does not reveal the passwords, and the session-signing key is never used directly.
When the secret key changes, stored passwords cannot be read any more: :class:`SecretUnreadable`
says so in German, and the admin enters the password again.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_PURPOSE = b"eingang: mailbox passwords v1"


class SecretUnreadable(Exception):
    """A stored secret does not decrypt with the current key."""


def _fernet(secret_key: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(
        secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(plain: str, secret_key: str) -> str:
    return _fernet(secret_key).encrypt(plain.encode("utf-8")).decode("ascii") if plain else ""


def decrypt(token: str, secret_key: str) -> str:
    if not token:
        return ""
    try:
        return _fernet(secret_key).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as exc:
        raise SecretUnreadable(
            "Das gespeicherte Passwort lässt sich nicht entschlüsseln (wurde EINGANG_SECRET_KEY "
            "geändert?). Bitte das Passwort neu eingeben.") from exc
