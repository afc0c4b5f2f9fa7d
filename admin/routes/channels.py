"""Admin console: IMAP mailboxes and scan folders (/admin/kanaele).

Mailboxes and scan folders from the environment are shown read-only ("aus der
Konfiguration"); those of the console are created, changed, deactivated and (mailboxes)
deleted here. The connectors re-read the list while they run (store.channel_config). Every
change and every look at this configuration is an audit entry; passwords are write-only.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from starlette.concurrency import run_in_threadpool

from admin.actions import queue_names
from admin.routes.console import _flash, _go
from admin.security import actor_of, csrf_protect, require
from admin.state import web_settings
from admin.templating import render
from services import health
from store import audit, channel_config, fitconnect_config
from store.catalogue import current_catalogue
from store.channel_config import SECURITY_LABELS, ConfigError
from store.db import session_scope
from store.events import record
from store.models import MailboxConfig, ScanFolderConfig, User, utcnow
from store.secretbox import SecretUnreadable
from store.settings import Settings

_test_pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mailbox-test")
_test_slots = threading.BoundedSemaphore(2)

router = APIRouter(prefix="/admin/kanaele", dependencies=[Depends(csrf_protect)])

MAILBOX_FIELDS = ("name", "host", "port", "security", "verify_tls", "user", "password", "folder",
                  "processed_folder", "address", "queue_hint", "poll_interval", "active")
SCAN_FIELDS = ("path", "name", "queue_hint", "batch", "channel", "active")


@router.get("")
def overview(request: Request, user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:
        mailboxes = channel_config.mailbox_entries(session, settings)
        folders = channel_config.scan_folders(session, settings)
        destinations = fitconnect_config.entries(session, settings)
        queues = queue_names(session)
        now = utcnow()
        health_checks = {(c.component, c.name): c for c in
                         health.mailboxes(session, settings, now) + health.scans(session, settings, now)}
        audit.append(session, "config.read", actor=actor_of(user), target="config:kanaele")
    return render(request, "admin/channels.html", section="channels", settings=settings,
                  mailboxes=mailboxes, folders=folders, queues=queues, health=health_checks,
                  destinations=destinations,
                  scan_root=settings.scan_path.resolve(), **_flash(request))


def _read_for_edit(settings: Settings, model, key: str, user: User, target: str, missing: str):  # type: ignore[no-untyped-def]
    """A console-made mailbox or scan folder for its edit page, the look audited; 404 if none."""
    with session_scope(settings) as session:
        row = session.get(model, key)
        if row is None:
            raise HTTPException(404, missing)
        session.expunge(row)
        audit.append(session, "config.read", actor=actor_of(user), target=target[:200])
    return row


# --- mailboxes --------------------------------------------------------------------------


def _mailbox_form(row: MailboxConfig | None) -> dict[str, str]:
    if row is None:
        return {"security": "tls", "port": "993", "folder": "INBOX", "processed_folder": "Verarbeitet",
                "verify_tls": "1", "active": "1"}
    return {"name": row.name, "host": row.host, "port": str(row.port), "security": row.security,
            "verify_tls": "1" if row.verify_tls else "", "user": row.username, "folder": row.folder,
            "processed_folder": row.processed_folder or "", "address": row.address or "",
            "queue_hint": row.queue_hint or "",
            "poll_interval": "" if row.poll_interval is None else f"{row.poll_interval:g}",
            "active": "1" if row.active else ""}


def _render_mailbox(request: Request, row: MailboxConfig | None, form: dict[str, str],
                    errors: dict[str, str] | None = None, test=None, status_code: int = 200,  # type: ignore[no-untyped-def]
                    **flash):  # type: ignore[no-untyped-def]
    with session_scope(web_settings(request)) as session:
        queues = queue_names(session)
    form = {k: v for k, v in form.items() if k != "password"}  # never sent back to the browser
    return render(request, "admin/mailbox.html", section="channels", row=row, form=form,
                  errors=errors or {}, test=test, queues=queues, security_labels=SECURITY_LABELS,
                  default_interval=f"{web_settings(request).imap_poll_interval:g}",
                  status_code=status_code, **{"message": None, "error": None, **flash})


@router.get("/postfach")
def new_mailbox(request: Request, user: User = Depends(require("admin"))):
    return _render_mailbox(request, None, _mailbox_form(None))


@router.get("/postfach/{name}")
def edit_mailbox(request: Request, name: str, user: User = Depends(require("admin"))):
    row = _read_for_edit(web_settings(request), MailboxConfig, name, user, f"mailbox:{name}",
                         "Dieses Postfach gibt es nicht (oder es kommt aus der Konfiguration).")
    return _render_mailbox(request, row, _mailbox_form(row), **_flash(request))


async def _form_values(request: Request, fields: tuple[str, ...]) -> dict[str, str]:
    form = await request.form()
    return {f: str(form.get(f) or "") for f in (*fields, "aktion")}


@router.post("/postfach")
async def create_mailbox(request: Request, user: User = Depends(require("admin"))):
    return await _save_or_test(request, None, await _form_values(request, MAILBOX_FIELDS), user)


@router.post("/postfach/{name}")
async def update_mailbox(request: Request, name: str, user: User = Depends(require("admin"))):
    return await _save_or_test(request, name, await _form_values(request, MAILBOX_FIELDS), user)


async def _save_or_test(request: Request, name: str | None, values: dict[str, str], user: User):  # type: ignore[no-untyped-def]
    outcome = await run_in_threadpool(_save_mailbox, request, name, values, user)
    if not isinstance(outcome, tuple):
        return outcome
    box, existing, test_name = outcome
    result = await _run_test(box, test_name, user, web_settings(request))
    return _render_mailbox(request, existing, values, test=result)


def _save_mailbox(request: Request, name: str | None, values: dict[str, str], user: User):  # type: ignore[no-untyped-def]
    """Saves and answers, or returns (mailbox, stored row, name) to be tested."""
    settings = web_settings(request)
    testing = values.pop("aktion", "") == "testen"
    errors: dict[str, str] = {}
    box = None
    # Validate in one short transaction; the connection test runs outside any (it may take
    # seconds, and on SQLite an open write transaction would hold up every other writer).
    with session_scope(settings) as session:
        row = session.get(MailboxConfig, name or values.get("name", "").strip().lower())
        if name and row is None:
            raise HTTPException(404, "Dieses Postfach gibt es nicht.")
        existing = row if name else None
        try:
            clean = channel_config.clean_mailbox(values, new=name is None, queues=queue_names(session),
                                                 settings=settings, existing=row)
            if testing:
                box = channel_config.candidate_mailbox(clean, existing, settings)
            else:
                saved = channel_config.save_mailbox(session, settings, clean, actor_of(user), existing).name
        except ConfigError as exc:
            errors = exc.errors
        except SecretUnreadable as exc:
            errors = {"password": str(exc)}
        session.flush()
        session.expunge_all()
    if errors:
        return _render_mailbox(request, existing, values, errors, status_code=400,
                               error="Bitte die markierten Angaben prüfen.")
    if box is not None:
        return box, existing, clean["name"] or None
    state = "aktiv" if clean["active"] else "deaktiviert"
    return _go("/admin/kanaele", message=f"Postfach {saved} gespeichert ({state}); der IMAP-Eingang "
               f"übernimmt die Änderung innerhalb von {settings.imap_reload_seconds:.0f} Sekunden.")


async def _run_test(box, name: str | None, user: User, settings: Settings):  # type: ignore[no-untyped-def]
    """Log in for real (nothing is fetched or moved); the attempt is audited. Tests run in a
    small pool of their own, never more than two at a time, so they cannot hold up the web
    app's threads however often they are started."""
    from connectors.imap_check import CheckResult, check_connection

    if not _test_slots.acquire(blocking=False):
        return CheckResult(False, "Es laufen gerade andere Verbindungstests. Bitte versuchen Sie "
                                  "es in einigen Sekunden erneut.")
    try:
        result = await asyncio.wrap_future(_test_pool.submit(check_connection, box))
    finally:
        _test_slots.release()
    await run_in_threadpool(_audit_test, box, name, user, result, settings)
    return result


def _audit_test(box, name: str | None, user: User, result, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with session_scope(settings) as session:
        record(session, None, actor_of(user), "mailbox_tested",
               f"Verbindungstest Postfach {name or '(neu)'}: "
               f"{'erfolgreich' if result.ok else 'fehlgeschlagen'}",
               mailbox=name, host=box.host, port=box.port, security=box.security,
               outcome="ok" if result.ok else "failed")


@router.post("/postfach/{name}/testen")
async def test_mailbox(name: str, user: User = Depends(require("admin")),
                       settings: Settings = Depends(web_settings)):
    box = await run_in_threadpool(_stored_box, name, settings)
    if isinstance(box, RedirectResponse):
        return box
    result = await _run_test(box, name, user, settings)
    if result.ok:
        return _go("/admin/kanaele", message=f"Postfach {name}: {result.message}")
    return _go("/admin/kanaele", error=f"Postfach {name}: {result.message}")


def _stored_box(name: str, settings: Settings):  # type: ignore[no-untyped-def]
    """Test a stored mailbox (also one from the environment) from the list."""
    box = next((b for b in settings.imap_mailboxes if b.name == name), None)
    if box is None:
        with session_scope(settings) as session:
            row = session.get(MailboxConfig, name)
            if row is None:
                raise HTTPException(404, "Dieses Postfach gibt es nicht.")
            try:
                box = channel_config.to_imap_mailbox(row, settings)
            except SecretUnreadable as exc:
                return _go("/admin/kanaele", error=f"Postfach {name}: {exc}")
    return box


@router.post("/postfach/{name}/loeschen")
def delete_mailbox(name: str, user: User = Depends(require("admin")),
                   settings: Settings = Depends(web_settings)):
    with session_scope(settings) as session:
        row = session.get(MailboxConfig, name)
        if row is None:
            raise HTTPException(404, "Dieses Postfach gibt es nicht (oder es kommt aus der Konfiguration).")
        channel_config.delete_mailbox(session, row, actor_of(user))
    return _go("/admin/kanaele", message=f"Postfach {name} gelöscht: es wird nicht mehr abgerufen. "
               "Bereits eingegangene Vorgänge bleiben erhalten.")


# --- scan folders -----------------------------------------------------------------------


def _channels(session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The channels a scan folder can deliver on (the catalogue's active ones)."""
    return {c.key: c.label for c in current_catalogue(session).channels if c.active}


def _scan_form(row: ScanFolderConfig | None) -> dict[str, str]:
    if row is None:
        return {"active": "1", "batch": ""}
    return {"path": row.path, "name": row.name, "queue_hint": row.queue_hint or "",
            "channel": row.channel or "",
            "batch": {None: "", True: "ja", False: "nein"}[row.batch], "active": "1" if row.active else ""}


def _render_scan(request: Request, row: ScanFolderConfig | None, form: dict[str, str],
                 errors: dict[str, str] | None = None, status_code: int = 200, **flash):  # type: ignore[no-untyped-def]
    settings = web_settings(request)
    with session_scope(settings) as session:
        queues = queue_names(session)
        channels = _channels(session)
    return render(request, "admin/scanfolder.html", section="channels", row=row, form=form,
                  errors=errors or {}, queues=queues, channels=channels, scan_root=settings.scan_path.resolve(),
                  default_batch=settings.scan_batches, status_code=status_code,
                  **{"message": None, "error": None, **flash})


@router.get("/scanordner")
def scan_folder_page(request: Request, pfad: str = "", user: User = Depends(require("admin"))):
    row = None
    if pfad:
        row = _read_for_edit(web_settings(request), ScanFolderConfig, pfad, user, f"scan:{pfad}",
                             "Diesen Scanordner gibt es nicht (oder er kommt aus der Konfiguration).")
    form = _scan_form(row)
    if row is None and request.query_params.get("vorschlag"):  # "übernehmen" of a found folder
        form.update(path=request.query_params["vorschlag"], name=request.query_params["vorschlag"])
    return _render_scan(request, row, form, **_flash(request))


@router.post("/scanordner")
async def save_scan_folder(request: Request, user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    values = await _form_values(request, (*SCAN_FIELDS, "original"))
    original = values.pop("original", "")
    values.pop("aktion", None)
    errors: dict[str, str] = {}
    with session_scope(settings) as session:
        existing = session.get(ScanFolderConfig, original) if original else None
        if original and existing is None:
            raise HTTPException(404, "Diesen Scanordner gibt es nicht.")
        try:
            clean = channel_config.clean_scan_folder(session, settings, values, existing=existing,
                                                     queues=queue_names(session),
                                                     channels=_channels(session))
            row = channel_config.save_scan_folder(session, settings, clean, actor_of(user), existing)
            path, active = row.path, row.active
        except ConfigError as exc:
            errors = exc.errors
        session.flush()
        session.expunge_all()
    if errors:  # rendered after the transaction: the page reads the queues in one of its own
        return _render_scan(request, existing, values, errors, status_code=400,
                            error="Bitte die markierten Angaben prüfen.")
    state = "wird überwacht" if active else "nimmt keine neuen Dateien mehr an"
    return _go("/admin/kanaele", message=f"Scanordner {path} gespeichert: {state}.")
