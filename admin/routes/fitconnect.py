"""Admin console: FIT-Connect Zustellpunkte (/admin/kanaele/fitconnect).

Destinations from ``EINGANG_FITCONNECT_DESTINATIONS`` are listed read-only on the channels
page; those made here are created, changed and deactivated here. Client secret, private keys
and callback secret are write-only (stored encrypted, never shown); the public halves of the
keys, which the Kommune registers in FITKO's Self-Service-Portal, are shown. Every change and
every look is audited; the subscriber re-reads the list on every pass.
"""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from admin.actions import queue_names
from admin.routes.console import _flash, _go
from admin.security import actor_of, csrf_protect, require
from admin.state import web_settings
from admin.templating import render
from store import audit, fitconnect_config, secretbox
from store.channel_config import ConfigError
from store.db import session_scope
from store.models import FitConnectDestinationConfig, User

router = APIRouter(prefix="/admin/kanaele/fitconnect", dependencies=[Depends(csrf_protect)])

FIELDS = ("name", "destination_id", "api_url", "token_url", "client_id", "client_secret", "scope",
          "encryption_key", "signing_key", "callback_secret", "queue_hint", "poll_interval",
          "active", "generate_keys")


def _form(row: FitConnectDestinationConfig | None) -> dict[str, str]:
    if row is None:
        return {"active": "1", "generate_keys": "1"}
    return {"name": row.name, "destination_id": row.destination_id, "api_url": row.api_url,
            "token_url": row.token_url, "client_id": row.client_id, "scope": row.scope or "",
            "queue_hint": row.queue_hint or "",
            "poll_interval": "" if row.poll_interval is None else f"{row.poll_interval:g}",
            "active": "1" if row.active else ""}


def _public_keys(row: FitConnectDestinationConfig | None, secret: str) -> dict[str, str]:
    """The public halves to register at the destination (nothing secret in them)."""
    from jwcrypto import jwk

    keys: dict[str, str] = {}
    if row is None:
        return keys
    for label, stored in (("Verschlüsselung (RSA-OAEP-256)", row.encryption_key_encrypted),
                          ("Signatur (PS512)", row.signing_key_encrypted)):
        try:
            public = jwk.JWK.from_json(secretbox.decrypt(stored, secret)).export_public(as_dict=True)
        except (secretbox.SecretUnreadable, ValueError):
            continue
        keys[label] = json.dumps(public, indent=1)
    return keys


def _page(request: Request, row: FitConnectDestinationConfig | None, form: dict[str, str],
          errors: dict[str, str] | None = None, status_code: int = 200, **flash):  # type: ignore[no-untyped-def]
    settings = web_settings(request)
    with session_scope(settings) as session:
        queues = queue_names(session)
    form = {k: v for k, v in form.items() if k not in fitconnect_config.SECRET_FIELDS}
    base = settings.public_base_url.rstrip("/")
    return render(request, "admin/fitconnect.html", section="channels", row=row, form=form,
                  errors=errors or {}, queues=queues, public_keys=_public_keys(row, settings.secret_key),
                  callback_url=f"{base}/fitconnect/callback/{row.name if row else '<name>'}",
                  status_code=status_code, **{"message": None, "error": None, **flash})


@router.get("")
def new(request: Request, user: User = Depends(require("admin"))):
    return _page(request, None, _form(None))


@router.get("/{name}")
def edit(request: Request, name: str, user: User = Depends(require("admin"))):
    with session_scope(web_settings(request)) as session:
        row = session.get(FitConnectDestinationConfig, name)
        if row is None:
            raise HTTPException(404, "Diesen Zustellpunkt gibt es nicht (oder er kommt aus der Konfiguration).")
        session.expunge(row)
        audit.append(session, "config.read", actor=actor_of(user), target=f"fitconnect:{name}"[:200])
    return _page(request, row, _form(row), **_flash(request))


@router.post("")
async def create(request: Request, user: User = Depends(require("admin"))):
    return await run_in_threadpool(_save, request, None, await _values(request), user)


@router.post("/{name}")
async def update(request: Request, name: str, user: User = Depends(require("admin"))):
    return await run_in_threadpool(_save, request, name, await _values(request), user)


async def _values(request: Request) -> dict[str, str]:
    form = await request.form()
    return {f: str(form.get(f) or "") for f in FIELDS}


def _save(request: Request, name: str | None, values: dict[str, str], user: User):  # type: ignore[no-untyped-def]
    from connectors.fitconnect_crypto import generate_keys

    settings = web_settings(request)
    errors: dict[str, str] = {}
    with session_scope(settings) as session:
        row = session.get(FitConnectDestinationConfig, name or values.get("name", "").strip().lower())
        if name and row is None:
            raise HTTPException(404, "Diesen Zustellpunkt gibt es nicht.")
        existing = row if name else None
        if values.pop("generate_keys", "") and not (values.get("encryption_key") or values.get("signing_key")):
            enc, sig = generate_keys(kid_prefix="eingang")  # the private halves never leave eingang
            values["encryption_key"], values["signing_key"] = enc.export_private(), sig.export_private()
        try:
            clean = fitconnect_config.clean(values, new=name is None, queues=queue_names(session),
                                            settings=settings, existing=row)
            saved = fitconnect_config.save(session, settings, clean, actor_of(user), existing).name
        except ConfigError as exc:
            errors = exc.errors
        session.flush()
        session.expunge_all()
    if errors:
        return _page(request, existing, values, errors, status_code=400,
                     error="Bitte die markierten Angaben prüfen.")
    return _go(f"/admin/kanaele/fitconnect/{saved}",
               message=f"Zustellpunkt {saved} gespeichert. Die öffentlichen Schlüssel unten im "
                       "Self-Service-Portal hinterlegen.")
