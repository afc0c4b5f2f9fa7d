"""The admin console (/admin): queues, routing rules (draft → simulate → activate → roll back),
classifier versions, users and roles, channels, audit log. Every change is an audit event."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from admin.actions import queue_names
from admin.security import (
    SESSION_EPOCH,
    actor_of,
    csrf_protect,
    require,
)
from admin.state import web_settings
from admin.templating import render
from store.db import session_scope
from store.events import record
from store.models import User
from store.settings import Settings
from store.users import (
    ROLES,
    UserError,
    create_user,
    get_user,
    list_users,
    set_password,
    update_user,
)

router = APIRouter(prefix="/admin", dependencies=[Depends(csrf_protect)])

def _go(path: str, message: str = "", error: str = "") -> RedirectResponse:
    query = {k: v for k, v in (("meldung", message), ("fehler", error)) if v}
    joiner = "&" if "?" in path else "?"
    return RedirectResponse(path + (joiner + urlencode(query) if query else ""), status_code=303)

def _flash(request: Request) -> dict[str, str | None]:
    return {"message": request.query_params.get("meldung"), "error": request.query_params.get("fehler")}

@router.get("")
def overview(request: Request, user: User = Depends(require("admin"))):
    return RedirectResponse("/admin/regeln", status_code=303)

# --- queues, the Kommune, referral bodies: admin.routes.catalogue ---------------------------

# --- rules ------------------------------------------------------------------------------

def _router_for(source: str, settings: Settings):  # type: ignore[no-untyped-def]
    from services.rules import router_for, routing_config

    return router_for(source, routing_config(settings))

def _rules_page(request: Request, version: int | None, source: str | None = None, comment: str = "",
                status_code: int = 200, **flash):  # type: ignore[no-untyped-def]
    from routing import default_rules_text
    from store.rulesets import active_rule_set, list_rule_sets

    with session_scope(web_settings(request)) as session:
        versions = list_rule_sets(session)
        active = active_rule_set(session)
        chosen = next((v for v in versions if v.version == version), None) if version else active
        if source is None:
            source = chosen.source if chosen else default_rules_text()
        # Back only where an earlier version was once active (the first one has none).
        can_roll_back = active is not None and any(
            v.state == "retired" and v.activated_at is not None for v in versions)
        session.expunge_all()
    return render(request, "admin/rules.html", status_code=status_code, section="rules",
                  versions=versions, active=active, source=source, base=chosen, comment=comment,
                  can_roll_back=can_roll_back, **flash)


@router.get("/regeln")
def rules(request: Request, version: int | None = None, user: User = Depends(require("admin"))):
    return _rules_page(request, version, **_flash(request))


@router.get("/regeln/diff")
def rules_diff(request: Request, a: int, b: int, user: User = Depends(require("admin"))):
    """What changed between two rule versions, line by line."""
    import difflib

    from store.rulesets import RuleSetError, get_rule_set

    with session_scope(web_settings(request)) as session:
        try:
            old, new = get_rule_set(session, a), get_rule_set(session, b)
        except RuleSetError as exc:
            raise HTTPException(404, str(exc)) from exc
        lines = list(difflib.unified_diff(old.source.splitlines(), new.source.splitlines(),
                                          f"v{a}", f"v{b}", lineterm="", n=3))
    return render(request, "admin/rules_diff.html", section="rules", a=a, b=b, lines=lines)


@router.post("/regeln/entwurf")
def save_draft(request: Request, source: str = Form(""), comment: str = Form(""),
               user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from routing import RuleError
    from services.rules import save_draft

    try:
        version = save_draft(settings, source, actor_of(user), comment.strip() or None).version
    except RuleError as exc:  # the admin's text stays in the editor, with the reason
        return _rules_page(request, None, source=source, comment=comment, status_code=422,
                           error=f"Regelwerk nicht übernommen: {exc}")
    return _go(f"/admin/regeln/{version}/simulation",
               message=f"Entwurf v{version} gespeichert. Prüfen Sie die Simulation vor dem Aktivieren.")

@router.get("/regeln/{version}/simulation")
def simulation(request: Request, version: int, tage: int = 90, user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from datetime import timedelta

    from services.rules import active_router, never_matching, simulate_stored
    from store.models import utcnow
    from store.rulesets import RuleSetError, get_rule_set

    with session_scope(settings) as session:
        try:
            rs = get_rule_set(session, version)
        except RuleSetError as exc:
            raise HTTPException(404, str(exc)) from exc
        session.expunge(rs)
    tage = max(1, min(tage, 3650))
    report = simulate_stored(settings, active_router(settings), _router_for(rs.source, settings),
                             utcnow() - timedelta(days=tage))
    queues = sorted(set(report.before) | set(report.after))
    with session_scope(settings) as session:
        names = queue_names(session)
    return render(request, "admin/simulation.html", section="rules", rs=rs, report=report,
                  queues=queues, days=tage, queue_names=names,
                  hints=never_matching(settings, rs.source), **_flash(request))

@router.post("/regeln/{version}/aktivieren")
def activate(version: int, reason: str = Form(""), user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from routing import RuleError
    from services.rules import activate_version
    from store.rulesets import RuleSetError

    try:
        activate_version(settings, version, actor_of(user), reason.strip() or None)
    except (RuleSetError, RuleError) as exc:
        return _go("/admin/regeln", error=str(exc))
    return _go("/admin/regeln", message=f"Regelwerk v{version} ist aktiv.")

@router.post("/regeln/zurueck")
def rollback(version: str = Form(""), user: User = Depends(require("admin")),
             settings: Settings = Depends(web_settings)):
    from services.rules import roll_back
    from store.rulesets import RuleSetError

    try:
        now_active = roll_back(settings, actor_of(user), int(version) if version.strip() else None)
    except (RuleSetError, ValueError) as exc:
        return _go("/admin/regeln", error=str(exc))
    return _go("/admin/regeln", message=f"Zurück zu Regelwerk v{now_active}.")

# --- classifier ---------------------------------------------------------------------------

@router.get("/klassifikator")
def classifier_versions(request: Request, user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from classifier.versions import active_version, list_versions

    data_dir = settings.data_dir
    return render(request, "admin/classifier.html", section="classifier",
                  versions=list(reversed(list_versions(data_dir))), active=active_version(data_dir),
                  **_flash(request))

@router.post("/klassifikator")
def classifier_activate(version: str = Form(""), user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from classifier.versions import active_version, set_active

    data_dir = settings.data_dir
    before = active_version(data_dir)
    try:
        set_active(version or None, data_dir)
    except FileNotFoundError as exc:
        return _go("/admin/klassifikator", error=str(exc))
    with session_scope(settings) as session:
        record(session, None, actor_of(user), "classifier_activated",
               f"Klassifikator {version or 'mitgeliefert'} aktiviert", before=before, after=version or None)
    return _go("/admin/klassifikator", message="Klassifikator umgestellt (gilt für neue Vorgänge).")

# --- users --------------------------------------------------------------------------------

@router.get("/benutzer")
def users(request: Request, user: User = Depends(require("admin"))):
    with session_scope(web_settings(request)) as session:
        rows = list_users(session)
        queues = queue_names(session)
        session.expunge_all()
    return render(request, "admin/users.html", section="users", users=rows, roles=ROLES,
                  queues=queues, **_flash(request))

@router.post("/benutzer")
def save_user(request: Request, username: str = Form(""), display_name: str = Form(""),
              password: str = Form(""), roles: list[str] = Form(default_factory=list),
              queues: list[str] = Form(default_factory=list), active: str = Form(""),
              new: str = Form(""), user: User = Depends(require("admin"))):
    try:
        with session_scope(web_settings(request)) as session:
            if new:
                create_user(session, username, password, roles, queues, display_name or None,
                            actor=actor_of(user))
            else:
                target = get_user(session, username)
                if target is None:
                    raise UserError(f"Benutzer „{username}“ gibt es nicht.")
                if target.id == user.id and ("admin" not in roles or not active):
                    raise UserError("Sie können sich nicht selbst die Administration entziehen.")
                update_user(session, target, actor_of(user), roles=roles, queues=queues,
                            display_name=display_name or None, active=bool(active))
                if password:
                    set_password(session, target, password, actor_of(user))
                    if target.id == user.id:  # the admin's own browser stays logged in
                        request.session[SESSION_EPOCH] = target.session_epoch
    except UserError as exc:
        return _go("/admin/benutzer", error=str(exc))
    return _go("/admin/benutzer", message=f"Benutzer {username} gespeichert.")

# --- mail templates ----------------------------------------------------------------------


def _template_names(custom: Path) -> list[str]:
    """The built-in mail templates and those in ``custom`` (the configured templates_path)."""
    from worker.mail import BUILTIN

    names = {p.stem for p in BUILTIN.glob("*.txt")}
    if custom.is_dir():
        names |= {p.stem for p in custom.glob("*.txt")}
    return sorted(names)


@router.get("/vorlagen")
def templates_page(request: Request, name: str = "", user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from worker.mail import BUILTIN

    names = _template_names(settings.templates_path)
    chosen = name if name in names else (names[0] if names else "")
    custom = settings.templates_path / f"{chosen}.txt"
    source = ""
    if chosen:
        source = (custom if custom.exists() else BUILTIN / f"{chosen}.txt").read_text(encoding="utf-8")
    return render(request, "admin/templates.html", section="templates", names=names, chosen=chosen,
                  source=source, customised=custom.exists(), **_flash(request))


@router.post("/vorlagen")
def save_template(name: str = Form(""), source: str = Form(""), reset: str = Form(""),
                  user: User = Depends(require("admin")), settings: Settings = Depends(web_settings)):
    from jinja2 import TemplateSyntaxError
    from jinja2.sandbox import SandboxedEnvironment

    if name not in _template_names(settings.templates_path):
        return _go("/admin/vorlagen", error="Unbekannte Vorlage.")
    path = settings.templates_path / f"{name}.txt"
    back = f"/admin/vorlagen?name={name}"
    if reset:
        path.unlink(missing_ok=True)
        message = f"Vorlage {name}: wieder die mitgelieferte Fassung."
    else:
        source = source.replace("\r\n", "\n")
        if "\n" not in source.strip():
            return _go(back, error="Erste Zeile ist der Betreff, danach folgt der Text.")
        try:
            SandboxedEnvironment().parse(source)
        except TemplateSyntaxError as exc:
            return _go(back, error=f"Vorlage fehlerhaft (Zeile {exc.lineno}): {exc.message}")
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(source, encoding="utf-8")
        tmp.replace(path)
        message = f"Vorlage {name} gespeichert."
    with session_scope(settings) as session:
        record(session, None, actor_of(user), "template_saved", message, template=name, reset=bool(reset))
    return _go(back, message=message)


# --- appointment schedules ------------------------------------------------------------------


@router.get("/termine")
def schedules(request: Request, queue: str = "", user: User = Depends(require("admin"))):
    from datetime import timedelta

    from services.schedules import hours_lines
    from store.appointments import schedule_for
    from store.models import AppointmentSlot, utcnow

    with session_scope(web_settings(request)) as session:
        queues = queue_names(session)
        chosen = queue if queue in queues else next(iter(queues))
        schedule = schedule_for(session, chosen)
        hours = hours_lines(schedule.hours)
        now = utcnow()
        slots = session.scalars(select(AppointmentSlot).where(
            AppointmentSlot.queue == chosen, AppointmentSlot.starts_at >= now,
            AppointmentSlot.starts_at < now + timedelta(days=14)).order_by(AppointmentSlot.starts_at)).all()
        session.expunge_all()
    return render(request, "admin/schedules.html", section="schedules", queues=queues, chosen=chosen,
                  schedule=schedule, hours=hours, slots=slots, **_flash(request))


@router.post("/termine")
def save_schedule(queue: str = Form(""), hours: str = Form(""), minutes: int = Form(45),
                  capacity: int = Form(1), closed: str = Form(""), location: str = Form(""),
                  lead_hours: int = Form(24), user: User = Depends(require("admin")),
                  settings: Settings = Depends(web_settings)):
    from services.schedules import ScheduleError, change_schedule, parse_hours

    back = f"/admin/termine?queue={queue}"
    try:
        parsed = parse_hours(tuple(line.strip() for line in hours.splitlines() if line.strip()))
        days = sorted({d.strip() for d in closed.replace(",", "\n").splitlines() if d.strip()})
        change_schedule(settings, queue, actor_of(user), hours=parsed, minutes=minutes, capacity=capacity,
                        closed=days, location=location, lead_hours=lead_hours)
    except ScheduleError as exc:
        if str(exc) == "Unbekannte Zuständigkeit.":
            return _go("/admin/termine", error=str(exc))
        return _go(back, error=str(exc))
    return _go(back, message=f"Terminplan {queue} gespeichert (gilt für neue Terminangebote).")


# --- audit (channels: admin.routes.channels) -------------------------------------------------------------------

AUDIT_PAGE = 100


@router.get("/protokoll")
def audit_log(request: Request, wer: str = "", aktion: str = "", vorgang: str = "", vor: int | None = None,
              user: User = Depends(require("audit"))):
    from admin.event_labels import audit_label
    from store import audit

    query = audit.AuditQuery(actor=wer or None, action=aktion or None, reference=vorgang or None,
                             limit=AUDIT_PAGE + 1, before_seq=vor)
    with session_scope(web_settings(request)) as session:
        found = audit.search(session, query)
        entries = [audit.as_row(e) for e in found[:AUDIT_PAGE]]
        chain = audit.verify(session)
        audit.append(session, "audit.search", actor=actor_of(user), results=len(entries))
    for entry in entries:
        entry["action_label"] = audit_label(entry["action"], audit.ACTIONS)
    filters = {"wer": wer, "aktion": aktion, "vorgang": vorgang}
    older = entries[-1]["seq"] if len(found) > AUDIT_PAGE else None
    return render(request, "admin/audit.html", section="audit", entries=entries, chain=chain,
                  filters=filters, older=older, first_page=vor is None)


@router.get("/protokoll/export.csv")
def audit_export(wer: str = "", aktion: str = "", vorgang: str = "",
                 user: User = Depends(require("audit")),
                 settings: Settings = Depends(web_settings)):
    from fastapi.responses import Response

    from store import audit

    query = audit.AuditQuery(actor=wer or None, action=aktion or None,
                             reference=vorgang or None, limit=None)
    with session_scope(settings) as session:
        events = audit.search(session, query)
        data = audit.export(events, "csv")
        audit.append(session, "audit.export", actor=actor_of(user), entries=len(events), format="csv")
    return Response(data, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": 'attachment; filename="protokoll.csv"'})
