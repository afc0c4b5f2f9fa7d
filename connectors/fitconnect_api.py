"""The parts of FIT-Connect's Submission API (v1) a subscriber uses, over HTTPS with an OAuth2
client-credentials token (the destination's API client from the Self-Service-Portal).

    GET  /v1/submissions?destinationId=…&offset=…&limit=…   submissions ready for pick-up
    GET  /v1/submissions/{submissionId}                      envelope: encrypted metadata + data
    GET  /v1/submissions/{submissionId}/attachments/{id}     one encrypted attachment (JWE)
    POST /v1/cases/{caseId}/events                           accept-/reject-submission (SET)
    GET  /v1/cases/{caseId}/events                           the case's event log
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx

PAGE = 100


class ApiError(Exception):
    """The Zustelldienst could not be reached or refused the request (try again later)."""


@dataclass(frozen=True)
class Endpoint:
    api_url: str  # e.g. https://submission-api-testing.fit-connect.fitko.dev
    token_url: str  # e.g. https://auth-testing.fit-connect.fitko.dev/token
    client_id: str
    client_secret: str
    scope: str | None = None


class SubmissionApi:
    def __init__(self, endpoint: Endpoint, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self._http = httpx.Client(base_url=endpoint.api_url.rstrip("/"), timeout=timeout)
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._http.close()

    # --- OAuth2 -----------------------------------------------------------------------

    def _bearer(self) -> str:
        with self._lock:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            form = {"grant_type": "client_credentials", "client_id": self.endpoint.client_id,
                    "client_secret": self.endpoint.client_secret}
            if self.endpoint.scope:
                form["scope"] = self.endpoint.scope
            try:
                response = httpx.post(self.endpoint.token_url, data=form, timeout=self._http.timeout)
            except httpx.HTTPError as exc:
                raise ApiError(f"Token-Endpunkt nicht erreichbar: {exc}") from exc
            if response.status_code != 200:
                raise ApiError(f"Token-Endpunkt antwortet {response.status_code}")
            body = response.json()
            lifetime = float(body.get("expires_in", 300))
            # Renew a little early: a token must not run out in the middle of a pick-up.
            self._token = (body["access_token"], time.monotonic() + lifetime - min(60, lifetime / 10))
            return self._token[0]

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {self._bearer()}", **kwargs.pop("headers", {})}
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except httpx.HTTPError as exc:
                raise ApiError(f"Zustelldienst nicht erreichbar: {exc}") from exc
            if response.status_code == 401 and attempt == 1:
                self._token = None  # revoked or expired early: one fresh token
                continue
            if response.status_code >= 400:
                raise ApiError(f"Zustelldienst antwortet {response.status_code} auf {method} {path}")
            return response
        raise AssertionError("unreachable")

    # --- submissions ------------------------------------------------------------------

    def pending(self, destination_id: str) -> list[dict[str, str]]:
        """Every submission waiting for this destination (``submissionId``, ``caseId``)."""
        found: list[dict[str, str]] = []
        offset = 0
        while True:
            body = self._request("GET", "/v1/submissions", params={
                "destinationId": destination_id, "offset": offset, "limit": PAGE}).json()
            page = body.get("submissions", [])
            found.extend(page)
            offset += len(page)
            if not page or offset >= int(body.get("totalCount", offset)):
                return found

    def submission(self, submission_id: str) -> tuple[dict[str, Any], bytes]:
        """The envelope as parsed JSON and as the exact bytes received (kept as the original)."""
        response = self._request("GET", f"/v1/submissions/{submission_id}")
        return response.json(), response.content

    def attachment(self, submission_id: str, attachment_id: str) -> str:
        return self._request(
            "GET", f"/v1/submissions/{submission_id}/attachments/{attachment_id}",
            headers={"Accept": "application/jose"}).text

    def send_event(self, case_id: str, token: str) -> None:
        self._request("POST", f"/v1/cases/{case_id}/events", content=token.encode("ascii"),
                      headers={"Content-Type": "application/jose"})

    def service_keys(self):  # type: ignore[no-untyped-def]
        """The Zustelldienst's public signing keys (for its submit-submission events)."""
        from jwcrypto import jwk

        try:
            response = self._http.get("/.well-known/jwks.json")
        except httpx.HTTPError as exc:
            raise ApiError(f"Zustelldienst nicht erreichbar: {exc}") from exc
        if response.status_code != 200:
            raise ApiError(f"Schlüssel des Zustelldienstes nicht abrufbar ({response.status_code})")
        return jwk.JWKSet.from_json(response.text)

    def event_log(self, case_id: str) -> list[str]:
        return list(self._request("GET", f"/v1/cases/{case_id}/events").json().get("eventLog", []))
