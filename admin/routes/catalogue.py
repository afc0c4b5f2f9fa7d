"""The domain catalogue in the console: offices (Zuständigkeiten) with who may see them, the
Kommune and its Gemeinden, referral bodies. A thin adapter: every change goes through
``services.catalogue`` (validated like a profile, recorded, audited, the catalogue revision
raised for every process), the use cases ``eingang kommune`` runs too."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from admin.security import (
    ALL_QUEUE_ROLES,
    actor_of,
    csrf_protect,
    has_permission,
    require,
    visible_queues,
)
from admin.state import web_settings
from admin.templating import render
from domain import FOLLOW_UP_LABELS, FOLLOW_UPS, LEISTUNGSFORMEN
from domain.catalogue import RETENTION_BASES
from services import catalogue as edits
from services.catalogue import CatalogueError
from store import audit
from store.catalogue import read_catalogue
from store.db import session_scope
from store.models import User
from store.settings import Settings
from store.users import ROLES, list_users

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])

LEISTUNGSFORM_LABELS = {
    "transfer": "Transferleistung (automatische Bearbeitung)",
    "transfer_beratung": "Transferleistung mit Beratungsbedarf",
    "sozialintegrativ": "sozialintegrativ (nur persönlich)",
}
BASIS_LABELS = {"intake": "Eingangsunterlagen", "sensitive": "besonders schutzwürdig (Beratung)",
                "referral": "Verweisung"}


def _go(path: str, message: str = "", error: str = "") -> RedirectResponse:
    query = {k: v for k, v in (("meldung", message), ("fehler", error)) if v}
    return RedirectResponse(path + ("?" + urlencode(query) if query else ""), status_code=303)


def _flash(request: Request) -> dict[str, str | None]:
    return {"message": request.query_params.get("meldung"), "error": request.query_params.get("fehler")}


def _access_of(target: User, key: str) -> tuple[bool, str | None]:
    """(sees the queue's items, why regardless of its queue list) — as admin.security decides."""
    if not target.active or not has_permission(target, "inbox"):
        return False, None
    queues = visible_queues(target)
    if queues is None:
        roles = [ROLES[r] for r in target.roles if r in ALL_QUEUE_ROLES]
        return True, (f"Rolle {', '.join(roles)}: alle Zuständigkeiten" if roles
                      else "alle Zuständigkeiten (auf der Benutzerseite vergeben)")
    if key == "clearing" and "clearing" in target.roles:
        return True, "Rolle Clearing-Stelle"
    return key in queues, None


def _choices(settings: Settings) -> dict:
    return {"leistungsformen": {k: LEISTUNGSFORM_LABELS[k] for k in LEISTUNGSFORMEN},
            "follow_ups": {k: FOLLOW_UP_LABELS[k] for k in FOLLOW_UPS},
            "bases": {k: BASIS_LABELS[k] for k in RETENTION_BASES},
            "default_target_hours": settings.default_response_target_hours}


# --- offices ------------------------------------------------------------------------------------

@router.get("/zustaendigkeiten")
def offices(request: Request, user: User = Depends(require("admin"))):
    with session_scope(web_settings(request)) as session:
        catalogue = read_catalogue(session, web_settings(request))
        users = list_users(session)
        session.expunge_all()
    viewers = {o.key: [u.username for u in users if _access_of(u, o.key)[0]] for o in catalogue.offices}
    return render(request, "admin/queues.html", section="queues", offices=catalogue.offices,
                  viewers=viewers, office=None, **_choices(web_settings(request)), **_flash(request))


@router.get("/zustaendigkeiten/{key}")
def office_page(request: Request, key: str, user: User = Depends(require("admin"))):
    with session_scope(web_settings(request)) as session:
        office = read_catalogue(session, web_settings(request)).office(key)
        if office is None:
            raise HTTPException(404, "Diese Zuständigkeit gibt es nicht.")
        users = [u for u in list_users(session) if has_permission(u, "inbox")]
        session.expunge_all()
        audit.append(session, "config.read", actor=actor_of(user), target=f"queue:{key}"[:200])
    access = [(u, *_access_of(u, key)) for u in users]
    return render(request, "admin/queue.html", section="queues", key=key, office=office,
                  queue_name=office.label, access=access,
                  all_queue_roles=[ROLES[r] for r in sorted(ALL_QUEUE_ROLES)], **_choices(web_settings(request)),
                  **_flash(request))


@router.post("/zustaendigkeiten/{key}/zugriff")
def save_access(key: str, users: list[str] = Form(default_factory=list),
                user: User = Depends(require("admin")),
                settings: Settings = Depends(web_settings)):
    def editable(target: User) -> bool:  # sees it by role (or every queue): nothing to change
        return has_permission(target, "inbox") and _access_of(target, key)[1] is None

    try:
        granted, revoked = edits.set_queue_access(settings, key, users, actor_of(user), editable)
    except CatalogueError as exc:
        raise HTTPException(404, str(exc)) from exc
    parts = ([f"neu: {', '.join(granted)}"] if granted else []) + (
        [f"entzogen: {', '.join(revoked)}"] if revoked else [])
    return _go(f"/admin/zustaendigkeiten/{key}",
               message=f"Zugriff auf {key} gespeichert ({'; '.join(parts) or 'unverändert'}).")


def _lines(text: str | None) -> list[str] | None:
    return None if text is None else [line.strip() for line in text.splitlines() if line.strip()]


async def _sent_fields(request: Request) -> frozenset[str]:
    """The names the form sent: FastAPI reads an emptied field as "not sent" (None), but an
    emptied field means "clear it" (the title, the follow-up, the response-time target)."""
    return frozenset((await request.form()).keys())


@router.post("/zustaendigkeiten")
def save_office(key: str = Form(""), name: str | None = Form(None), title: str | None = Form(None),
                rechtskreis: str | None = Form(None), leistungsform: str | None = Form(None),
                follow_up: str | None = Form(None), retention_days: str | None = Form(None),
                retention_basis: str | None = Form(None), description: str | None = Form(None),
                response_target_hours: str | None = Form(None),
                signature: str | None = Form(None), xdomea_dir: str | None = Form(None),
                phone: str | None = Form(None),
                email: str | None = Form(None), address: str | None = Form(None),
                keywords: str | None = Form(None), examples: str | None = Form(None),
                active: str = Form(""), back: str = Form(""),
                sent: frozenset[str] = Depends(_sent_fields),
                user: User = Depends(require("admin")),
                settings: Settings = Depends(web_settings)):
    """Create an office or change the fields the form sent (the rest stays as it was)."""
    def given(name: str, value: str | None) -> str | None:
        return "" if value is None and name in sent else value

    title, rechtskreis, description, signature, xdomea_dir = (
        given("title", title), given("rechtskreis", rechtskreis), given("description", description),
        given("signature", signature), given("xdomea_dir", xdomea_dir))
    follow_up = given("follow_up", follow_up)
    response_target_hours = given("response_target_hours", response_target_hours)
    keywords, examples = given("keywords", keywords), given("examples", examples)
    key = key.strip().lower()
    page = "/admin/zustaendigkeiten" + (f"/{key}" if back and key else "")
    try:
        days = int(retention_days) if retention_days and retention_days.strip() else None
    except ValueError:
        return _go(page, error="Aufbewahrung in ganzen Tagen angeben.")
    changes = {
        "name": name.strip() if name is not None else None, "title": title, "rechtskreis": rechtskreis,
        "leistungsform": leistungsform, "retention_days": days, "retention_basis": retention_basis,
        "description": description, "signature": signature,
        "xdomea_dir": xdomea_dir.strip() if xdomea_dir is not None else None,
        "keywords": _lines(keywords), "examples": _lines(examples), "active": bool(active),
        "follow_up": follow_up,  # "": from the Leistungsform (None: not in the form, unchanged)
        # "": the house default (None: not in the form, unchanged); validated by the profile rules
        "response_target_hours": response_target_hours.strip() if response_target_hours is not None else None,
    }
    if any(v is not None for v in (phone, email, address)):
        changes["contact"] = {"phone": phone or "", "email": email or "", "address": address or ""}
    try:
        edits.save_office(settings, key, changes, actor_of(user))
    except CatalogueError as exc:
        return _go(page, error=str(exc))
    return _go(page, message=f"Zuständigkeit {key} gespeichert.")


# --- the Kommune and referral bodies ---------------------------------------------------------------

@router.get("/kommune")
def kommune(request: Request, user: User = Depends(require("admin"))):
    with session_scope(web_settings(request)) as session:
        catalogue = read_catalogue(session, web_settings(request))
    gemeinden = "\n".join(f"{g.name} | {g.ags} | {', '.join(g.postcodes)} | {', '.join(g.offices)}"
                          for g in catalogue.kommune.gemeinden)
    return render(request, "admin/kommune.html", section="kommune", catalogue=catalogue,
                  kommune=catalogue.kommune, gemeinden=gemeinden, **_flash(request))


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(",", " ").replace(";", " ").split() if p.strip()]


@router.post("/kommune")
def save_kommune(name: str = Form(""), ags: str = Form(""), kind: str = Form("Stadt"),
                 postcodes: str = Form(""), gemeinden: str = Form(""), neighbours: str = Form(""),
                 address: str | None = Form(None), timezone: str | None = Form(None),
                 holiday_region: str | None = Form(None), user: User = Depends(require("admin")),
                 settings: Settings = Depends(web_settings)):
    parsed = []
    for line in gemeinden.splitlines():
        if not line.strip():
            continue
        cells = [c.strip() for c in line.split("|")] + ["", "", ""]
        parsed.append({"name": cells[0], "ags": cells[1], "postcodes": _split(cells[2]),
                       "offices": _split(cells[3])})
    changes = {"name": name.strip(), "ags": ags.strip(), "kind": kind.strip() or "Stadt",
               "postcodes": _split(postcodes), "gemeinden": parsed,
               "neighbours": [n.strip() for n in neighbours.splitlines() if n.strip()],
               "address": address,
               "timezone": timezone.strip() if timezone else None,
               "holiday_region": holiday_region.strip() if holiday_region else None}
    try:
        edits.save_kommune(settings, changes, actor_of(user))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    return _go("/admin/kommune", message="Angaben zur Kommune gespeichert.")


@router.post("/kommune/verweisung")
def save_referral(name: str = Form(""), address: str = Form(""), email: str = Form(""),
                  handles: str = Form(""), hint: str = Form(""), remove: str = Form(""),
                  user: User = Depends(require("admin")),
                  settings: Settings = Depends(web_settings)):
    try:
        edits.save_referral_body(settings, name, {"address": address, "email": email, "hint": hint,
                                                  "handles": handles.split(",")},
                                 actor_of(user), remove=bool(remove))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    return _go("/admin/kommune", message=f"Verweisungsstelle {name.strip()} "
               f"{'entfernt' if remove else 'gespeichert'}.")


@router.post("/kommune/bezeichnung")
def save_label(kind: str = Form(""), key: str = Form(""), label: str = Form(""),
               symbol: str | None = Form(None), trusted: str | None = Form(None),
               user: User = Depends(require("admin")),
               settings: Settings = Depends(web_settings)):
    try:
        edits.save_label(settings, kind, key, label, actor_of(user), symbol=symbol,
                         trusted=None if kind != "channel" else bool(trusted))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    return _go("/admin/kommune", message=f"Bezeichnung „{' '.join(label.split())}“ gespeichert.")


@router.post("/kommune/anliegenart")
def save_intent(key: str = Form(""), label: str = Form(""), keywords: str = Form(""),
                examples: str = Form(""), active: str = Form(""),
                user: User = Depends(require("admin")),
                settings: Settings = Depends(web_settings)):
    """Add an intent (Anliegenart) or change one: label, keywords and example phrases (one a
    line; the classifier finds it by them until a model version knows it), active."""
    key = key.strip().lower()
    try:
        edits.save_intent(settings, key, {"label": label, "keywords": _lines(keywords),
                                          "examples": _lines(examples), "active": bool(active)},
                          actor_of(user))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    return _go("/admin/kommune", message=f"Anliegenart {key} gespeichert.")


@router.post("/kommune/kanal")
def save_channel(key: str = Form(""), label: str = Form(""), symbol: str = Form(""),
                 trusted: str = Form(""), active: str = Form(""),
                 user: User = Depends(require("admin")),
                 settings: Settings = Depends(web_settings)):
    """Add a channel or change one: label, symbol, trusted or not, active."""
    key = key.strip().lower()
    try:
        edits.save_channel(settings, key, {"label": label, "symbol": symbol.strip(),
                                           "trusted": bool(trusted), "active": bool(active)},
                           actor_of(user))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    return _go("/admin/kommune", message=f"Kanal {key} gespeichert.")


@router.post("/kommune/entfernen")
def remove(kind: str = Form(""), key: str = Form(""), user: User = Depends(require("admin")),
           settings: Settings = Depends(web_settings)):
    """Delete an intent or a channel; one that items name is retired instead."""
    if kind not in ("intent", "channel"):
        return _go("/admin/kommune", error="Nur Anliegenarten und Kanäle lassen sich entfernen.")
    try:
        done = edits.remove(settings, kind, key, actor_of(user))
    except CatalogueError as exc:
        return _go("/admin/kommune", error=str(exc))
    what = "Anliegenart" if kind == "intent" else "Kanal"
    return _go("/admin/kommune", message=f"{what} {key} {done}.")


@router.get("/kommune/profil.yaml")
def export_profile(user: User = Depends(require("admin")),
                   settings: Settings = Depends(web_settings)):
    from fastapi.responses import Response

    text = edits.export_profile(settings, actor_of(user))
    return Response(text, media_type="application/yaml; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kommune.yaml"'})
