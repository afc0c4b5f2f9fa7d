"""Errors as German pages for a browser, JSON for the API: a person who follows a stale link
reads "Vorgang nicht gefunden" on a page with the navigation, not ``{"detail": …}``."""

from __future__ import annotations

import errno
import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from admin.limits import plain_response

log = logging.getLogger(__name__)

HEADINGS = {
    400: "Ungültige Anfrage", 401: "Bitte anmelden", 403: "Kein Zugriff",
    404: "Nicht gefunden", 405: "Nicht möglich", 409: "Konflikt", 413: "Zu groß",
    422: "Ungültige Eingabe", 429: "Zu viele Anfragen",
}
DEFAULT_DETAILS = {
    403: "Für diese Seite fehlt Ihnen die Berechtigung.",
    404: "Die Seite gibt es nicht (mehr). Bitte prüfen Sie den Link.",
    405: "Diese Aktion ist auf diesem Weg nicht möglich.",
    422: "Die Angaben in der Adresse sind ungültig.",
}


def wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.headers.get("hx-request"):
        return False
    return "text/html" in request.headers.get("accept", "")


def _page(request: Request, status: int, detail: str | None, headers=None):  # type: ignore[no-untyped-def]
    from admin.templating import render

    # Starlette's own texts ("Not Found", "Method Not Allowed") are English: replaced.
    if not detail or detail == HTTPStatus(status).phrase:
        detail = DEFAULT_DETAILS.get(status, "Die Anfrage konnte nicht bearbeitet werden.")
    public = not request.url.path.startswith(("/inbox", "/items", "/post", "/admin", "/telefon", "/konto"))
    response = render(request, "error.html", status_code=status,
                      heading=HEADINGS.get(status, "Fehler"), detail=detail,
                      back="/" if public else "/inbox",
                      back_label="Zur Startseite" if public else "Zum Posteingang")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


UNAVAILABLE = ("Das ist gerade vorübergehend nicht möglich. Bitte versuchen Sie es in einigen "
               "Minuten erneut.")
INVALID = "Die Angaben in der Anfrage sind ungültig."


def _disk_full(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)


def install_fault_handlers(app: FastAPI) -> None:
    """Faults of the database or the disk as German answers, without templates or a database
    (which may be what fails): 503 for what passes (storage full or unreachable), 400 for
    values the database cannot hold (an id beyond 64 bits)."""

    @app.exception_handler(OperationalError)
    async def _storage(request: Request, exc: OperationalError):  # type: ignore[no-untyped-def]
        log.warning("database unavailable for %s %s: %s", request.method, request.url.path,
                    type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__)
        return plain_response(request.scope, 503, UNAVAILABLE, {"retry-after": "60"})

    @app.exception_handler(OSError)
    async def _disk(request: Request, exc: OSError):  # type: ignore[no-untyped-def]
        if not _disk_full(exc):
            raise exc
        log.warning("disk full for %s %s", request.method, request.url.path)
        return plain_response(request.scope, 503, UNAVAILABLE, {"retry-after": "60"})

    @app.exception_handler(DataError)
    @app.exception_handler(OverflowError)
    async def _invalid_value(request: Request, exc: Exception):  # type: ignore[no-untyped-def]
        return plain_response(request.scope, 400, INVALID)


def install(app: FastAPI) -> None:
    install_fault_handlers(app)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):  # type: ignore[no-untyped-def]
        if not wants_html(request):
            return await http_exception_handler(request, exc)
        return _page(request, exc.status_code, str(exc.detail) if exc.detail else None,
                     getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):  # type: ignore[no-untyped-def]
        if not wants_html(request):
            return await request_validation_exception_handler(request, exc)
        return _page(request, 422, None)
