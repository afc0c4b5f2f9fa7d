"""Steuerung (/steuerung): the workload dashboard for the Leitung, admins and per-queue staff.

Leitung and admins see every office; Fachamt and Clearing users see the offices of their
queues (the same ``visible_queues`` as the inbox). Only aggregates are shown: no item, no
citizen. Each chart is an SVG of its own (admin.steering_view) with its table beside it, and
every table is also a CSV download with the same period.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from admin import steering_view
from admin.security import require, visible_queues
from admin.state import web_settings
from admin.templating import render
from services import steering
from store.db import statement_reads
from store.models import User
from store.settings import Settings

router = APIRouter(prefix="/steuerung")
ALL_OFFICE_ROLES = frozenset({"leitung", "admin"})
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; frame-ancestors 'self'"


def _scope(user: User) -> frozenset[str] | None:
    return None if ALL_OFFICE_ROLES & set(user.roles) else (visible_queues(user) or frozenset())


def _board(settings: Settings, user: User, einheit: str | None, von: str | None, bis: str | None,
           parts: Collection[str] = steering.PARTS) -> steering.Dashboard:
    now = datetime.now(UTC)
    period = steering.Period.parse(einheit, von, bis, steering.local_today(now))
    # The figures are one statement (services.steering): no transaction around it.
    with statement_reads(settings) as session:
        return steering.dashboard(session, settings, period, _scope(user), now, parts)


@router.get("")
def page(request: Request, einheit: str | None = None, von: str | None = None, bis: str | None = None,
         user: User = Depends(require("steering")), settings: Settings = Depends(web_settings)):
    try:
        board = _board(settings, user, einheit, von, bis)
    except steering.PeriodError as exc:
        board, error = _board(settings, user, einheit, None, None), str(exc)
    else:
        error = None
    query = f"einheit={board.period.unit}&von={board.period.start}&bis={board.period.end}"
    response = render(request, "steering.html", board=board, tables=steering_view.tables(board),
                      charts=steering_view.CHARTS, chart_table=steering_view.CHART_TABLE,
                      units=steering.UNITS, query=query, error=error,
                      scope=_scope(user))
    response.headers["cache-control"] = "private, no-store"
    return response


@router.get("/diagramm/{key}.svg")
def chart(key: str, einheit: str | None = None, von: str | None = None, bis: str | None = None,
          user: User = Depends(require("steering")), settings: Settings = Depends(web_settings)) -> Response:
    if key not in steering_view.CHARTS:
        raise HTTPException(404, "Dieses Diagramm gibt es nicht.")
    board = _checked(settings, user, einheit, von, bis, steering_view.NEEDS[steering_view.CHART_TABLE[key]])
    return Response(steering_view.chart_svg(board, key), media_type="image/svg+xml",
                    headers={"content-security-policy": SVG_CSP, "cache-control": "private, no-store"})


@router.get("/{key}.csv")
def table_csv(key: str, einheit: str | None = None, von: str | None = None, bis: str | None = None,
              user: User = Depends(require("steering")),
              settings: Settings = Depends(web_settings)) -> Response:
    if key not in steering_view.NEEDS:
        raise HTTPException(404, "Diese Tabelle gibt es nicht.")
    board = _checked(settings, user, einheit, von, bis, steering_view.NEEDS[key])
    tables = steering_view.tables(board)
    name = f"steuerung-{key}-{board.period.start}-{board.period.end}.csv"
    return Response(steering_view.to_csv(tables[key]), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"',
                             "cache-control": "private, no-store"})


def _checked(settings: Settings, user: User, einheit: str | None, von: str | None, bis: str | None,
             parts: Collection[str]) -> steering.Dashboard:
    try:
        return _board(settings, user, einheit, von, bis, parts)
    except steering.PeriodError as exc:
        raise HTTPException(400, str(exc)) from exc
