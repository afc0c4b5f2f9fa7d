"""FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import text

from store.db import get_engine


def create_app() -> FastAPI:
    app = FastAPI(title="eingang", docs_url=None, redoc_url=None, openapi_url="/api/v1/openapi.json")

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ok"}

    from admin import booking

    app.include_router(booking.router)
    return app
