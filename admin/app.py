"""FastAPI application factory: pages for staff and citizens, the JSON API, health check."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from starlette.middleware.sessions import SessionMiddleware

from admin.hardening import SecurityMiddleware
from admin.limits import RequestLimits, rules_for
from store.db import get_engine
from store.settings import Settings, get_settings

STATIC = Path(__file__).with_name("static")


def server_options(settings) -> dict:  # type: ignore[no-untyped-def]
    """uvicorn options of ``eingang web`` and ``eingang serve``: forwarded headers are believed
    only from ``EINGANG_TRUSTED_PROXIES`` (uvicorn by default believes any from 127.0.0.1)."""
    from store import logsafe

    trusted = ",".join(p.strip() for p in settings.trusted_proxies.split(",") if p.strip())
    options = {"proxy_headers": bool(trusted), **logsafe.uvicorn_logging()}
    if trusted:
        options["forwarded_allow_ips"] = trusted
    return options


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app, the composition root of ``admin/``: the settings are read here once (or
    handed in by ``eingang serve``/``web`` or a test) and kept on ``app.state``; routes reach
    them through ``Depends(admin.state.web_settings)``."""
    from admin import routes
    from admin.ratelimit import RateLimiter
    from admin.security import LoginRequired, login_url

    settings = settings or get_settings()
    app = FastAPI(title="eingang", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="eingang_session",
        max_age=settings.session_hours * 3600,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Inside the security headers, before anything reads a body (see admin.limits).
    app.state.form_limiter = RateLimiter(settings.form_rate_limit)
    app.add_middleware(RequestLimits, allow=app.state.form_limiter.allow,
                       rules=rules_for(settings.form_max_bytes, settings.smtp_max_message_bytes * 8))
    # Outermost: headers on every response (also errors and static files), audit context.
    app.add_middleware(SecurityMiddleware, hsts=settings.secure_cookies)

    from admin import errors

    errors.install(app)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse(login_url(exc.next_path), status_code=303)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        with get_engine(settings).connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    for router in routes.ROUTERS:
        app.include_router(router)
    app.mount("/api/v1", routes.api.create_api(settings))

    from admin import booking

    app.include_router(booking.router)
    from admin import oidc

    app.include_router(oidc.router)
    from admin import fitconnect_callback

    app.include_router(fitconnect_callback.router)
    return app
