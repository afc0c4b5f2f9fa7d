"""The cryptographic and schema steps of a FIT-Connect subscriber, all real (docs.fitko.de):

- JWE decryption of metadata, Fachdaten and attachments: RSA-OAEP-256 key wrap, A256GCM
  content encryption, nothing else accepted (jwcrypto);
- SHA-512 of every decrypted part against ``contentStructure`` (hex, lower case);
- the metadata validated against the metadata JSON schema (2020-12) the deployment accepts;
- Security Event Tokens (``accept-submission``, ``reject-submission``) signed PS512 (JWS);
- callbacks: HMAC-SHA-512 over ``<timestamp>.<body>``, timestamp at most 5 minutes old,
  compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jwcrypto import jwe, jwk, jws
from jwcrypto.common import JWException

JWE_ALGORITHMS = ["RSA-OAEP-256", "A256GCM"]
EVENT_BASE = "https://schema.fitko.de/fit-connect/events/"
ACCEPT = EVENT_BASE + "accept-submission"
REJECT = EVENT_BASE + "reject-submission"
SET_SCHEMA = "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json"
CALLBACK_MAX_AGE = 300  # seconds (docs.fitko.de: "nicht älter als 5 Minuten")


class DecryptionError(Exception):
    """A part could not be decrypted with our key (or used another algorithm)."""


@dataclass(frozen=True)
class Problem:
    """One reason for a ``reject-submission`` (RFC 7807 shape, FIT-Connect's problem types).

    ``type`` and ``instance`` are taken over exactly as FIT-Connect defines them; ``detail`` is
    German, for the sender and for our staff.
    """

    kind: str  # the last part of the type URI, e.g. "hash-mismatch"
    title: str
    detail: str
    instance: str  # "metadata", "data", "attachment:<id>", "submission"

    @property
    def type(self) -> str:
        return EVENT_BASE + "problems/" + self.kind

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "title": self.title, "detail": self.detail, "instance": self.instance}


# --- keys -------------------------------------------------------------------------------


def load_key(jwk_json: str) -> jwk.JWK:
    return jwk.JWK.from_json(jwk_json)


def generate_keys(kid_prefix: str = "eingang") -> tuple[jwk.JWK, jwk.JWK]:
    """A new key pair for encryption (RSA-OAEP-256) and one for signing (PS512), 4096 bit as
    FIT-Connect asks for. The public halves are registered with the destination."""
    enc = jwk.JWK.generate(kty="RSA", size=4096, alg="RSA-OAEP-256", use="enc",
                           kid=f"{kid_prefix}-enc-{uuid.uuid4()}")
    sig = jwk.JWK.generate(kty="RSA", size=4096, alg="PS512", use="sig",
                           kid=f"{kid_prefix}-sig-{uuid.uuid4()}")
    return enc, sig


# --- JWE and hashes ---------------------------------------------------------------------


def decrypt(token: str, key: jwk.JWK) -> bytes:
    """The plaintext of a compact JWE encrypted to ``key``; only RSA-OAEP-256 + A256GCM."""
    try:
        message = jwe.JWE(algs=JWE_ALGORITHMS)
        message.deserialize(token.strip(), key=key)
    except (JWException, ValueError, TypeError, KeyError) as exc:
        raise DecryptionError(f"{type(exc).__name__}: {exc}") from exc
    header = message.jose_header
    if header.get("alg") != "RSA-OAEP-256" or header.get("enc") != "A256GCM":
        raise DecryptionError(f"nicht zulässige Verfahren {header.get('alg')}/{header.get('enc')}")
    return bytes(message.payload)


def authentication_tag(token: str) -> str:
    """The last part of a compact JWE: what accept-submission confirms per part."""
    return token.strip().rsplit(".", 1)[-1]


def sha512_hex(content: bytes) -> str:
    return hashlib.sha512(content).hexdigest()


def hash_matches(content: bytes, expected: dict[str, Any] | None) -> bool:
    if not expected or expected.get("type") != "sha512":
        return False
    return hmac.compare_digest(sha512_hex(content), str(expected.get("content", "")).lower())


# --- metadata schema --------------------------------------------------------------------


@dataclass
class SchemaRegistry:
    """The metadata schemas a deployment accepts: every ``*.json`` in a configured folder,
    keyed by ``$id``. Metadata naming an unknown 1.x version is checked against the newest
    known 1.x (later minor versions only add optional fields)."""

    schemas: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def from_dir(cls, folder: Path) -> SchemaRegistry:
        schemas: dict[str, dict[str, Any]] = {}
        for path in sorted(folder.glob("*.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
            schemas[schema["$id"]] = schema
        return cls(schemas)

    def schema_for(self, declared: str | None) -> dict[str, Any] | None:
        if declared in self.schemas:
            return self.schemas[declared]
        if not self.schemas:
            return None
        if declared is None:  # metadata without $schema: the newest we accept
            return self.schemas[max(self.schemas, key=_version_key)]
        major = _version_key(declared)[0]
        same_major = [k for k in self.schemas if _version_key(k)[0] == major]
        return self.schemas[max(same_major, key=_version_key)] if same_major else None

    def violations(self, metadata: dict[str, Any]) -> list[str] | None:
        """None when no accepted schema fits the declared one; else the violations (German
        path + the validator's message), empty when valid."""
        schema = self.schema_for(metadata.get("$schema"))
        if schema is None:
            return None
        validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
        errors = sorted(validator.iter_errors(metadata), key=lambda e: list(e.absolute_path))
        return [f"{'/'.join(str(p) for p in e.absolute_path) or '(Wurzel)'}: {e.message}" for e in errors]


def _version_key(schema_id: str) -> tuple[int, ...]:
    for part in reversed(schema_id.split("/")):
        numbers = part.split(".")
        if len(numbers) == 3 and all(n.isdigit() for n in numbers):
            return tuple(int(n) for n in numbers)
    return (0, 0, 0)


# --- Security Event Tokens --------------------------------------------------------------


def security_event_token(key: jwk.JWK, *, destination_id: str, submission_id: str, case_id: str,
                         event: str, payload: dict[str, Any], now: float | None = None) -> str:
    """A signed SET (JWS compact, PS512, ``typ: secevent+jwt``) as the Submission API takes it."""
    claims = {
        "$schema": SET_SCHEMA,
        "jti": str(uuid.uuid4()),
        "iss": destination_id,
        "iat": int(now if now is not None else time.time()),
        "sub": f"submission:{submission_id}",
        "txn": f"case:{case_id}",
        "events": {event: payload},
    }
    token = jws.JWS(json.dumps(claims, separators=(",", ":")).encode())
    token.add_signature(key, alg="PS512",
                        protected={"alg": "PS512", "typ": "secevent+jwt", "kid": key.get("kid")})
    return token.serialize(compact=True)


def read_event_token(token: str, key: jwk.JWK) -> dict[str, Any]:
    """Verify a SET's PS512 signature with ``key`` and return its claims (raises if forged)."""
    message = jws.JWS()
    message.deserialize(token.strip())
    message.verify(key, alg="PS512")
    return json.loads(message.payload)


def unverified_claims(token: str) -> dict[str, Any]:
    """Claims of a SET without checking its signature: only to find our own events again."""
    message = jws.JWS()
    message.deserialize(token.strip())
    return json.loads(message.objects["payload"])


# --- callbacks --------------------------------------------------------------------------


def callback_hmac(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + b"." + body,
                    hashlib.sha512).hexdigest()


def verify_callback(secret: str, timestamp: str | None, signature: str | None, body: bytes,
                    now: float | None = None) -> str | None:
    """None when the callback is authentic and fresh, else the (German) reason to ignore it."""
    if not secret:
        return "Für diesen Zustellpunkt ist kein Callback-Secret eingerichtet."
    if not timestamp or not signature:
        return "Callback ohne Zeitstempel oder HMAC."
    try:
        sent = int(timestamp)
    except ValueError:
        return "Zeitstempel des Callbacks ist keine Zahl."
    age = (now if now is not None else time.time()) - sent
    if age > CALLBACK_MAX_AGE or age < -CALLBACK_MAX_AGE:
        return "Zeitstempel des Callbacks ist älter als 5 Minuten (oder liegt in der Zukunft)."
    expected = callback_hmac(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode(), signature.strip().lower().encode()):
        return "HMAC des Callbacks stimmt nicht."
    return None
