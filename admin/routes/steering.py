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
from sqlalchemy.orm import Session

from admin import steering_kept, steering_view
from admin.reads import request_reads
from admin.security import require, visible_queues
from admin.state import web_settings
from admin.templating import render
from services import steering
from store.models import User
from store.settings import Settings

# Every request here only reads: the user lookup and the figures share one connection
# (admin.reads; a router's dependencies are resolved before the route's own).
router = APIRouter(prefix="/steuerung", dependencies=[Depends(request_reads)])
ALL_OFFICE_ROLES = frozenset({"leitung", "admin"})
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'; frame-ancestors 'self'"


def _scope(user: User) -> frozenset[str] | None:
    return None if ALL_OFFICE_ROLES & set(user.roles) else (visible_queues(user) or frozenset())


def _owner(user: User) -> tuple[int, frozenset[str] | None]:
    """Whose figures a page's kept figures are (admin.steering_kept)."""
    return user.id, _scope(user)


def _board(session: Session, settings: Settings, user: User, einheit: str | None, von: str | None,
           bis: str | None, parts: Collection[str] = steering.PARTS, mark: str | None = None) -> steering.Dashboard:
    now = datetime.now(UTC)
    period = steering.Period.parse(einheit, von, bis, steering.local_today(now))
    # The page's own figures for its charts and downloads (admin.steering_kept), else computed:
    # one statement (services.steering), no transaction around it (admin.reads).
    board = steering_kept.kept(mark, _owner(user), period)
    return board or steering.dashboard(session, settings, period, _scope(user), now, parts)


@router.get("")
def page(request: Request, einheit: str | None = None, von: str | None = None, bis: str | None = None,
         user: User = Depends(require("steering")), settings: Settings = Depends(web_settings),
         session: Session = Depends(request_reads)):
    try:
        board = _board(session, settings, user, einheit, von, bis)
    except steering.PeriodError as exc:
        board, error = _board(session, settings, user, einheit, None, None), str(exc)
    else:
        error = None
    mark = steering_kept.keep(_owner(user), board)
    query = f"einheit={board.period.unit}&von={board.period.start}&bis={board.period.end}&stand={mark}"
    response = render(request, "steering.html", board=board, tables=steering_view.tables(board),
                      charts=steering_view.CHARTS, chart_table=steering_view.CHART_TABLE,
                      units=steering.UNITS, query=query, error=error,
                      scope=_scope(user))
    response.headers["cache-control"] = "private, no-store"
    return response


@router.get("/diagramm/{key}.svg")
def chart(key: str, einheit: str | None = None, von: str | None = None, bis: str | None = None,
          stand: str | None = None, user: User = Depends(require("steering")),
          settings: Settings = Depends(web_settings), session: Session = Depends(request_reads)) -> Response:
    if key not in steering_view.CHARTS:
        raise HTTPException(404, "Dieses Diagramm gibt es nicht.")
    board = _checked(session, settings, user, einheit, von, bis,
                     steering_view.NEEDS[steering_view.CHART_TABLE[key]], stand)
    return Response(steering_view.chart_svg(board, key), media_type="image/svg+xml",
                    headers={"content-security-policy": SVG_CSP, "cache-control": "private, no-store"})


@router.get("/{key}.csv")
def table_csv(key: str, einheit: str | None = None, von: str | None = None, bis: str | None = None,
              stand: str | None = None, user: User = Depends(require("steering")),
              settings: Settings = Depends(web_settings), session: Session = Depends(request_reads)) -> Response:
    if key not in steering_view.NEEDS:
        raise HTTPException(404, "Diese Tabelle gibt es nicht.")
    board = _checked(session, settings, user, einheit, von, bis, steering_view.NEEDS[key], stand)
    tables = steering_view.tables(board)
    name = f"steuerung-{key}-{board.period.start}-{board.period.end}.csv"
    return Response(steering_view.to_csv(tables[key]), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f'attachment; filename="{name}"',
                             "cache-control": "private, no-store"})


def _checked(session: Session, settings: Settings, user: User, einheit: str | None, von: str | None,
             bis: str | None, parts: Collection[str], mark: str | None) -> steering.Dashboard:
    try:
        return _board(session, settings, user, einheit, von, bis, parts, mark)
    except steering.PeriodError as exc:
        raise HTTPException(400, str(exc)) from exc
