"""Request limits applied before anything reads the body: its size, and the submission rate.

A body is refused by its ``Content-Length`` before a byte of it is read; a body without one
(chunked) is counted while the application reads it and cut off at the limit. The public form
and the API count a submission against the client's hourly allowance before the body is parsed:
a flood of large or malformed requests costs no more than a count each.

Pure ASGI (no request object, no database), so it also holds when the database is down.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headroom for the form's own fields and the multipart or JSON wrapping around the files.
ENVELOPE = 256 * 1024
STAFF_FORM_LIMIT = 2 * 1024 * 1024  # rules as YAML, templates, notes: text only


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body without Content-Length grows past its limit; an
    HTTPException, so FastAPI's body parsing passes it on and the error handlers answer 413."""

    def __init__(self) -> None:
        super().__init__(413, "Die Anfrage ist zu groß.")


@dataclass(frozen=True)
class Rule:
    method: str
    path: str  # exact path, or a prefix when it ends with "/"
    max_bytes: int
    rate_limited: bool = False

    def matches(self, method: str, path: str) -> bool:
        if method != self.method:
            return False
        return path.startswith(self.path) if self.path.endswith("/") else path == self.path


def rules_for(form_max_bytes: int, upload_max_bytes: int) -> list[Rule]:
    """The limits per route; anything else gets ``STAFF_FORM_LIMIT``."""
    base64_size = form_max_bytes * 4 // 3 + 4
    return [
        Rule("POST", "/api/v1/submissions", base64_size + ENVELOPE, rate_limited=True),
        Rule("POST", "/anliegen", form_max_bytes + ENVELOPE, rate_limited=True),
        Rule("POST", "/post/upload", upload_max_bytes + ENVELOPE),
    ]


def _respond(scope: Scope, status: int, text: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """A German answer without templates or database (those may be what is failing)."""
    path: str = scope.get("path", "")
    accept = next((v for k, v in scope.get("headers", []) if k == b"accept"), b"")
    if path.startswith("/api/") or b"text/html" not in accept:
        return [(b"content-type", b"application/json")], json.dumps({"detail": text}, ensure_ascii=False).encode()
    page = ('<!doctype html><html lang="de"><head><meta charset="utf-8"><title>eingang</title>'
            '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
            f"<h1>Anfrage nicht möglich</h1><p>{escape(text)}</p>"
            '<p><a href="/">Zur Startseite</a></p></main></body></html>')
    return [(b"content-type", b"text/html; charset=utf-8")], page.encode()


def plain_response(scope: Scope, status: int, text: str,
                   headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    """The same German answer as a Starlette response (for exception handlers)."""
    from starlette.responses import Response

    kind, body = _respond(scope, status, text)
    response = Response(body, status_code=status, media_type=kind[0][1].decode())
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


async def send_answer(scope: Scope, send: Send, status: int, text: str,
                      headers: list[tuple[bytes, bytes]] | None = None) -> None:
    kind, body = _respond(scope, status, text)
    await send({"type": "http.response.start", "status": status,
                "headers": kind + (headers or []) + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    def __init__(self, app: ASGIApp, rules: list[Rule], allow: Callable[[str], bool],
                 default_max_bytes: int = STAFF_FORM_LIMIT) -> None:
        self.app, self.rules, self.allow = app, rules, allow
        self.default_max_bytes = default_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope.get("path", "")
        rule = next((r for r in self.rules if r.matches(method, path)), None)
        limit = rule.max_bytes if rule else self.default_max_bytes
        declared = next((v for k, v in scope.get("headers", []) if k == b"content-length"), None)
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await send_answer(scope, send, 400, "Ungültige Längenangabe der Anfrage.")
                return
            if too_large:
                await send_answer(scope, send, 413, "Die Anfrage ist zu groß "
                                  f"(höchstens {limit // (1024 * 1024) or 1} MB).",
                                  [(b"connection", b"close")])
                return
        if rule is not None and rule.rate_limited:
            client = scope.get("client")
            if not self.allow(client[0] if client else "unknown"):
                await send_answer(scope, send, 429, "Sie haben in kurzer Zeit sehr viele Anliegen "
                                  "gesendet. Bitte versuchen Sie es später noch einmal.",
                                  [(b"retry-after", b"600")])
                return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        await self.app(scope, counted, send)
