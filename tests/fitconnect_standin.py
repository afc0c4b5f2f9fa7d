"""A local STAND-IN for FITKO's FIT-Connect Zustelldienst, for the tests only.

The real service cannot be reached from here. This server implements the parts of the
Submission API (v1) that eingang uses, as the public OpenAPI description and docs.fitko.de
describe them: the OAuth2 client-credentials token endpoint, the list of submissions for a
destination, a submission's envelope, its encrypted attachments, the case's event log
(``submit-submission`` signed by the service, PS512) and posting a subscriber's event, whose
signature it checks against the destination's public signing key. It also plays the sending
online service: ``submit`` encrypts metadata, Fachdaten and attachments to the destination's
public key (RSA-OAEP-256 + A256GCM) with the SHA-512 values in the metadata, and ``notify``
sends a callback with HMAC-SHA-512. Nothing on eingang's side is simplified for it.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from jwcrypto import jwe, jwk, jws

from connectors.fitconnect_crypto import callback_hmac
from tests.services import free_port, wait_for_port

METADATA_SCHEMA = "https://schema.fitko.de/fit-connect/metadata/1.0.0/metadata.schema.json"
EVENTS = "https://schema.fitko.de/fit-connect/events/"


@dataclass
class Destination:
    encryption_public: jwk.JWK
    signing_public: jwk.JWK
    callback_url: str | None = None
    callback_secret: str | None = None


@dataclass
class StoredSubmission:
    destination_id: str
    case_id: str
    envelope: dict[str, Any]
    attachments: dict[str, str]
    state: str = "submitted"  # submitted | accepted | rejected


@dataclass
class Attachment:
    filename: str
    mime_type: str
    content: bytes
    purpose: str = "attachment"
    sent_content: bytes | None = None  # what is really encrypted (a tampered copy), if not content


@dataclass
class StandIn:
    client_id: str = "eingang-subscriber"
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    service_key: jwk.JWK = field(default_factory=lambda: jwk.JWK.generate(
        kty="RSA", size=2048, alg="PS512", use="sig", kid="zustelldienst"))
    destinations: dict[str, Destination] = field(default_factory=dict)
    submissions: dict[str, StoredSubmission] = field(default_factory=dict)
    events: dict[str, list[str]] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    received_events: list[dict[str, Any]] = field(default_factory=list)  # verified subscriber SETs
    refused_events: int = 0

    # --- the API ----------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/token")
        def token(grant_type: str = Form(...), client_id: str = Form(...), client_secret: str = Form(...)):
            if grant_type != "client_credentials" or (client_id, client_secret) != (self.client_id, self.client_secret):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            value = secrets.token_urlsafe(32)
            self.tokens.add(value)
            return {"access_token": value, "token_type": "Bearer", "expires_in": 1800}

        def authorised(request: Request) -> bool:
            header = request.headers.get("authorization", "")
            return header.startswith("Bearer ") and header[7:] in self.tokens

        @app.get("/.well-known/jwks.json")
        def keys():
            return {"keys": [json.loads(self.service_key.export_public())]}

        @app.get("/v1/submissions")
        def pending(request: Request, destinationId: str, offset: int = 0, limit: int = 100):  # noqa: N803
            if not authorised(request):
                return JSONResponse({}, status_code=401)
            waiting = [{"destinationId": s.destination_id, "submissionId": sid, "caseId": s.case_id}
                       for sid, s in self.submissions.items()
                       if s.destination_id == destinationId and s.state == "submitted"]
            page = waiting[offset:offset + limit]
            return {"offset": offset, "count": len(page), "totalCount": len(waiting), "submissions": page}

        @app.get("/v1/submissions/{submission_id}")
        def submission(request: Request, submission_id: str):
            if not authorised(request):
                return JSONResponse({}, status_code=401)
            found = self.submissions.get(submission_id)
            return found.envelope if found else JSONResponse({}, status_code=404)

        @app.get("/v1/submissions/{submission_id}/attachments/{attachment_id}")
        def attachment(request: Request, submission_id: str, attachment_id: str):
            if not authorised(request):
                return JSONResponse({}, status_code=401)
            found = self.submissions.get(submission_id)
            if found is None or attachment_id not in found.attachments:
                return JSONResponse({}, status_code=404)
            return PlainTextResponse(found.attachments[attachment_id], media_type="application/jose")

        @app.get("/v1/cases/{case_id}/events")
        def event_log(request: Request, case_id: str):
            if not authorised(request):
                return JSONResponse({}, status_code=401)
            return {"eventLog": self.events.get(case_id, [])}

        @app.post("/v1/cases/{case_id}/events")
        async def post_event(request: Request, case_id: str):
            if not authorised(request):
                return JSONResponse({}, status_code=401)
            if request.headers.get("content-type") != "application/jose":
                return JSONResponse({}, status_code=415)
            token = (await request.body()).decode()
            outcome = self._take_event(case_id, token)
            if outcome is None:
                self.refused_events += 1
                return JSONResponse({"detail": "ungültiges Ereignis"}, status_code=422)
            return Response(status_code=204)

        return app

    def _take_event(self, case_id: str, token: str) -> str | None:
        message = jws.JWS()
        message.deserialize(token)
        claims = json.loads(message.objects["payload"])
        destination = self.destinations.get(claims.get("iss", ""))
        if destination is None or json.loads(message.objects["protected"]).get("typ") != "secevent+jwt":
            return None
        try:
            message.verify(destination.signing_public, alg="PS512")
        except Exception:
            return None
        submission_id = claims.get("sub", "").removeprefix("submission:")
        found = self.submissions.get(submission_id)
        if found is None or claims.get("txn") != f"case:{case_id}" or found.case_id != case_id:
            return None
        if found.state != "submitted":
            return None  # a submission is accepted or rejected once
        [event] = claims["events"]
        found.state = {EVENTS + "accept-submission": "accepted",
                       EVENTS + "reject-submission": "rejected"}.get(event, found.state)
        self.events.setdefault(case_id, []).append(token)
        self.received_events.append(claims)
        return found.state

    # --- the sending online service -----------------------------------------------------

    def add_destination(self, encryption_public: jwk.JWK, signing_public: jwk.JWK,
                        callback_secret: str | None = None) -> str:
        destination_id = str(uuid.uuid4())
        self.destinations[destination_id] = Destination(encryption_public, signing_public,
                                                        callback_secret=callback_secret)
        return destination_id

    def submit(self, destination_id: str, data: dict[str, Any], attachments: list[Attachment],
               service: str = "Wohngeld", reply_to: str | None = "maria@example.org",
               metadata_changes: dict[str, Any] | None = None, submitted_at: int | None = None) -> str:
        key = self.destinations[destination_id].encryption_public
        submission_id, case_id = str(uuid.uuid4()), str(uuid.uuid4())
        data_bytes = json.dumps(data, ensure_ascii=False).encode("utf-8")
        ids = [str(uuid.uuid4()) for _ in attachments]
        metadata: dict[str, Any] = {
            "$schema": METADATA_SCHEMA,
            "publicServiceType": {"name": service, "identifier": "urn:de:fim:leika:leistung:99108008000000"},
            "contentStructure": {
                "data": {"hash": {"type": "sha512", "content": hashlib.sha512(data_bytes).hexdigest()},
                         "submissionSchema": {"schemaUri": "https://schema.fitko.de/fim/s00000092_1.0.schema.json",
                                              "mimeType": "application/json"}},
                "attachments": [
                    {"hash": {"type": "sha512", "content": hashlib.sha512(a.content).hexdigest()},
                     "purpose": a.purpose, "filename": a.filename, "mimeType": a.mime_type, "attachmentId": i}
                    for a, i in zip(attachments, ids, strict=True)],
            },
        }
        if reply_to:
            metadata["replyChannel"] = {"eMail": {"address": reply_to}}
        for path, value in (metadata_changes or {}).items():
            _set(metadata, path, value)
        encrypted_metadata = _encrypt(json.dumps(metadata).encode(), key)
        encrypted_data = _encrypt(data_bytes, key)
        encrypted_attachments = {i: _encrypt(a.sent_content if a.sent_content is not None else a.content, key)
                                 for a, i in zip(attachments, ids, strict=True)}
        envelope = {"destinationId": destination_id, "submissionId": submission_id, "caseId": case_id,
                    "serviceType": metadata["publicServiceType"], "attachments": ids,
                    "encryptedMetadata": encrypted_metadata, "encryptedData": encrypted_data}
        self.submissions[submission_id] = StoredSubmission(destination_id, case_id, envelope,
                                                           encrypted_attachments)
        tags = {"metadata": encrypted_metadata.rsplit(".", 1)[1], "data": encrypted_data.rsplit(".", 1)[1],
                "attachments": {i: t.rsplit(".", 1)[1] for i, t in encrypted_attachments.items()}}
        self.events[case_id] = [self._service_event(submission_id, case_id, "submit-submission",
                                                    {"authenticationTags": tags}, submitted_at)]
        return submission_id

    def _service_event(self, submission_id: str, case_id: str, event: str, payload: dict[str, Any],
                       at: int | None) -> str:
        claims = {"$schema": "https://schema.fitko.de/fit-connect/set-payload/1.2.0/set-payload.schema.json",
                  "jti": str(uuid.uuid4()), "iss": "https://stand-in.fit-connect.local", "iat": at or int(time.time()),
                  "sub": f"submission:{submission_id}", "txn": f"case:{case_id}", "events": {EVENTS + event: payload}}
        token = jws.JWS(json.dumps(claims).encode())
        token.add_signature(self.service_key, alg="PS512",
                            protected={"alg": "PS512", "typ": "secevent+jwt", "kid": self.service_key.get("kid")})
        return token.serialize(compact=True)

    def notify(self, url: str, destination_id: str, submission_ids: list[str], secret: str,
               timestamp: int | None = None, signature: str | None = None) -> httpx.Response:
        body = json.dumps({
            "type": "https://schema.fitko.de/fit-connect/submission-api/callbacks/new-submissions",
            "submissionIds": submission_ids,
            "submissions": [{"destinationId": destination_id, "submissionId": s,
                             "caseId": self.submissions[s].case_id} for s in submission_ids],
        }).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        return httpx.post(url, content=body, headers={
            "callback-timestamp": stamp, "content-type": "application/json",
            "callback-authentication": signature or callback_hmac(secret, stamp, body)})

    def decisions(self, submission_id: str) -> list[dict[str, Any]]:
        return [c for c in self.received_events if c["sub"] == f"submission:{submission_id}"]


def _encrypt(plaintext: bytes, key: jwk.JWK) -> str:
    token = jwe.JWE(plaintext, protected={"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": key.get("kid"),
                                          "cty": "application/json"})
    token.add_recipient(key)
    return token.serialize(compact=True)


def _set(target: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if isinstance(target, list) else target[part]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


class Server:
    """The stand-in served by uvicorn on a free local port, in a thread."""

    def __init__(self, standin: StandIn) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(standin.app(), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for_port(self.port, timeout=30)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
