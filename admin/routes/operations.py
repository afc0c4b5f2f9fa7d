"""For operators and monitoring: ``/health`` (every part ok|warn|fail) and ``/metrics``.

``/healthz`` (admin.app) stays the cheap liveness check for the load balancer. These two say
more about the installation (mailbox names, queue keys, counts), so they need the
``EINGANG_MONITORING_TOKEN`` as a bearer token (Prometheus, a monitoring system) or an admin's
session. Neither holds personal data.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from admin.security import has_permission, optional_user
from admin.state import web_settings
from services import health, metrics
from store.models import User
from store.settings import Settings

router = APIRouter()


def monitoring_access(request: Request, user: User | None = Depends(optional_user)) -> None:
    token = web_settings(request).monitoring_token
    given = request.headers.get("authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return
    if user is not None and has_permission(user, "admin"):
        return
    raise HTTPException(401 if user is None else 403, "Nur mit Überwachungs-Token oder als Admin.",
                        headers={"WWW-Authenticate": "Bearer"} if user is None else None)


@router.get("/health", include_in_schema=False, dependencies=[Depends(monitoring_access)])
def health_report(settings: Settings = Depends(web_settings)) -> JSONResponse:
    report = health.report(settings)
    return JSONResponse(report.as_json(), status_code=503 if report.status == "fail" else 200)


@router.get("/metrics", include_in_schema=False, dependencies=[Depends(monitoring_access)])
def metrics_text(settings: Settings = Depends(web_settings)) -> Response:
    return Response(metrics.exposition(settings), media_type=CONTENT_TYPE_LATEST)
