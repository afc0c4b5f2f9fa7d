"""FIT-Connect callbacks: ``POST /fitconnect/callback/<destination>``.

The Zustelldienst calls this URL (registered as the destination's callback URL, HTTPS only)
when a submission is waiting. The request carries ``callback-timestamp`` and
``callback-authentication`` (HMAC-SHA-512 of ``<timestamp>.<body>`` with the callback secret):
a callback older than five minutes or with a wrong HMAC is refused and changes nothing. A valid
one starts a pick-up of that destination after the answer; polling stays the fallback, so a
lost callback only delays a submission.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from admin.state import web_settings
from store.db import session_scope
from store.fitconnect_config import destination

log = logging.getLogger(__name__)
router = APIRouter()
MAX_BODY = 256 * 1024  # a list of submission ids, never more


@router.post("/fitconnect/callback/{name}", include_in_schema=False)
async def callback(name: str, request: Request, background: BackgroundTasks) -> JSONResponse:
    from connectors.fitconnect_crypto import verify_callback

    body = await request.body()
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "zu groß"}, status_code=413)
    settings = web_settings(request)
    found = await run_in_threadpool(_destination, settings, name)
    if found is None:
        return JSONResponse({"error": "unbekannter Zustellpunkt"}, status_code=404)
    reason = verify_callback(found.callback_secret, request.headers.get("callback-timestamp"),
                             request.headers.get("callback-authentication"), body)
    if reason is not None:
        log.warning("FIT-Connect callback for %s refused: %s", name, reason)
        return JSONResponse({"error": reason}, status_code=403)
    background.add_task(run_in_threadpool, _pick_up, settings, name)
    return JSONResponse({"status": "ok"})


def _destination(settings, name: str):  # type: ignore[no-untyped-def]
    with session_scope(settings) as session:
        return destination(session, settings, name)


def _pick_up(settings, name: str) -> None:  # type: ignore[no-untyped-def]
    from connectors.fitconnect import pick_up_now

    try:
        pick_up_now(settings, name)
    except Exception:  # polling picks it up later
        log.exception("FIT-Connect pick-up after callback for %s failed", name)
