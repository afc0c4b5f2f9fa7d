"""One ASGI middleware for every response of the web app: security headers, and the audit
context (client address and browser) for whatever the request records.

The CSP allows no inline script or style and no framing: the templates load scripts and the
stylesheet from /static only (htmx's inline indicator style is switched off in base.html).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.audit import acting_as

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    b"content-security-policy": CSP.encode(),
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"referrer-policy": b"same-origin",
    b"permissions-policy": b"camera=(), microphone=(), geolocation=(), payment=()",
    b"cross-origin-opener-policy": b"same-origin",
}
# Pages with Sozialdaten must not stay in shared caches or the browser's back-forward store.
NO_STORE_PREFIXES = ("/inbox", "/items", "/post", "/admin", "/telefon", "/api/", "/konto")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        client = scope.get("client")
        agent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"user-agent"), None)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in HEADERS.items() if k not in present]
                if self.hsts:
                    extra.append((b"strict-transport-security", b"max-age=31536000"))
                if path.startswith(NO_STORE_PREFIXES) and b"cache-control" not in present:
                    extra.append((b"cache-control", b"private, no-store"))
                message["headers"] = list(message.get("headers", [])) + extra
            await send(message)

        with acting_as("web:anonymous", ip=client[0] if client else None, user_agent=agent):
            await self.app(scope, receive, send_with_headers)
