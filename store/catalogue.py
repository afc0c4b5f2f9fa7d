"""The domain catalogue in the database: loaded once per revision, imported from and exported to
a Kommune profile, changed by the admin console (each change audited, the revision raised).
Reading it, and the copy every process keeps, is store.catalogue_rows (without the ORM)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from domain import (
    Catalogue,
    Channel,
    Intent,
    Office,
    catalogue_from_dict,
    catalogue_to_dict,
    load_profile,
)
from domain.profile import office_to_dict
from store import audit, catalogue_rows, plain
from store.catalogue_rows import current, forget, loaded, with_settings
from store.models import (
    AppointmentSchedule,
    ChannelKind,
    DocumentRoleRow,
    IntentRow,
    KommuneRow,
    Queue,
    ReferralBodyRow,
    utcnow,
)
from store.settings import Settings, get_settings
from store.zonesql import write_zone_offsets


def current_catalogue(session: Session | None = None, settings: Settings | None = None) -> Catalogue:
    """The catalogue as the database holds it now (store.catalogue_rows.current); without a
    session it reads on a connection of its own.

    Callers that have the settings hand them in. Without them they are read here: the
    Kommune's time zone (store.localdays.KommuneZone, a tzinfo looked up at every use) and the
    console's label helpers have none at hand yet (issue #13)."""
    settings = settings or get_settings()
    fresh = loaded(settings)
    if fresh is not None:
        return fresh
    if session is None:
        from sqlalchemy.exc import OperationalError, ProgrammingError

        from store.engine import read_scope

        try:
            with read_scope(settings) as own:
                return current_catalogue(own, settings)
        except (OperationalError, ProgrammingError, *plain.driver_errors(settings.sqlalchemy_url)) as exc:
            if "kommune" not in str(exc):  # anything but a missing table is a real error
                raise
            # No schema yet, e.g. ``eingang classify`` on a fresh checkout: the profile the
            # database would be seeded from.
            return with_settings(load_profile(settings.kommune_profile), settings)
    return current(plain.of_session(session), settings)


def read_catalogue(session: Session, settings: Settings) -> Catalogue:
    """The catalogue from the tables; the configured profile where they were never filled."""
    return catalogue_rows.read_catalogue(plain.of_session(session), settings)


# --- writing ----------------------------------------------------------------------------------

def bump(session: Session, actor: str) -> None:
    """Raise the revision: every process reloads the catalogue."""
    session.execute(update(KommuneRow).where(KommuneRow.id == 1).values(
        revision=KommuneRow.revision + 1, updated_at=utcnow(), updated_by=actor[:120]))
    _forget_after_commit(session)


def _forget_after_commit(session: Session) -> None:
    # A read in between (another thread, or a read_scope) may have cached the state before
    # the commit: this process drops it the moment the change is visible.
    forget()
    event.listen(session, "after_commit", lambda _s: forget(), once=True)


def seeded(session: Session) -> bool:
    return session.get(KommuneRow, 1) is not None


def import_catalogue(session: Session, catalogue: Catalogue, actor: str, source: str = "",
                     audited: bool = True, *, settings: Settings) -> int:
    """Replace the catalogue in the database by ``catalogue`` (a profile): offices, Kommune,
    referral bodies, intents, channel kinds, document roles and the offices' appointment
    schedules. Offices the profile lacks are deactivated, not deleted (items name them).
    Returns the new revision."""
    row = session.get(KommuneRow, 1)
    if row is None:
        row = KommuneRow(id=1, revision=0)
        session.add(row)
    k = catalogue.kommune
    row.name, row.ags, row.kind = k.name, k.ags, k.kind
    plain = catalogue_to_dict(catalogue)["kommune"]
    row.postcodes, row.gemeinden = list(k.postcodes), plain.get("gemeinden", [])
    row.neighbours, row.profile = list(k.neighbours), source[:200] or None
    row.address = k.address or None
    _set_zone(session, row, k.timezone)
    row.holiday_region = k.holiday_region
    row.revision, row.updated_at, row.updated_by = (row.revision or 0) + 1, utcnow(), actor[:120]
    keys = set()
    for position, office in enumerate(catalogue.offices):
        save_office(session, office, position=position)
        keys.add(office.key)
    for stale in session.scalars(select(Queue).where(Queue.key.not_in(keys))):
        stale.active = False
    _replace(session, ReferralBodyRow, [
        ReferralBodyRow(name=b.name, address=b.address or None, email=b.email or None,
                        handles=list(b.handles), hint=b.hint or None, position=i,
                        phrase=b.phrase or None, phrase_accusative=b.phrase_accusative or None)
        for i, b in enumerate(catalogue.referral_bodies)])
    # Intents and channels the profile lacks are retired, not deleted: items name them.
    _keep_retired(session, IntentRow, [_intent_row(i, n) for n, i in enumerate(catalogue.intents)])
    _keep_retired(session, ChannelKind, [_channel_row(c, n) for n, c in enumerate(catalogue.channels)])
    _replace(session, DocumentRoleRow, [DocumentRoleRow(key=r.key, label=r.label, position=n)
                                        for n, r in enumerate(catalogue.document_roles)])
    session.flush()
    retime(session, settings)
    if audited:
        audit.append(session, "config.import", actor=actor, target="catalogue",
                     setting="import", new=source[:200] or None)
    _forget_after_commit(session)
    return row.revision


def retime(session: Session, settings: Settings) -> int:
    """The offices' response targets as saved (and the house default) into the table the
    database times items by; the running items of an office whose target changed are
    re-timed in this transaction (store.response_due). Returns how many."""
    from store.response_due import sync

    session.flush()
    targets = {q.key: q.response_target_hours for q in session.scalars(select(Queue)) if q.response_target_hours}
    return sync(session, targets, settings.default_response_target_hours)


def _set_zone(session: Session, row: KommuneRow, zone: str) -> None:
    """The Kommune's zone, and for SQLite the offsets its steering triggers read."""
    if row.timezone != zone:
        row.timezone = zone
        write_zone_offsets(session.connection(), zone)


def _intent_row(intent: Intent, position: int) -> IntentRow:
    return IntentRow(key=intent.key, label=intent.label, position=position,
                     keywords=list(intent.keywords) or None, examples=list(intent.examples) or None,
                     active=intent.active)


def _channel_row(channel: Channel, position: int) -> ChannelKind:
    return ChannelKind(key=channel.key, label=channel.label, symbol=channel.symbol or None,
                       trusted=channel.trusted, position=position, active=channel.active)


def _keep_retired(session: Session, model: Any, rows: list[Any]) -> None:
    """``rows`` as the entries of ``model``; others stay, retired, after them."""
    keys = {r.key for r in rows}
    stale = [r for r in session.scalars(select(model).order_by(model.position)) if r.key not in keys]
    for position, row in enumerate(stale, len(rows)):
        row.active, row.position = False, position
    for row in rows:
        session.merge(row)


def _replace(session: Session, model: Any, rows: list[Any]) -> None:
    session.execute(delete(model))
    session.add_all(rows)


def save_office(session: Session, office: Office, position: int | None = None) -> Queue:
    """Write one office (and its appointment schedule, where it has one of its own)."""
    row = session.get(Queue, office.key)
    if row is None:
        last = session.scalar(select(Queue.position).order_by(Queue.position.desc()).limit(1))
        row = Queue(key=office.key, position=(last + 1) if last is not None else 0)
        session.add(row)
    if position is not None:
        row.position = position
    row.name, row.title = office.name, office.title or None
    row.description, row.rechtskreis = office.description or None, office.rechtskreis or None
    row.leistungsform, row.follow_up = office.leistungsform, office.follow_up
    row.retention_days, row.retention_basis = office.retention_days, office.retention_basis
    row.response_target_hours = office.response_target_hours or None
    row.signature = office.signature or None
    row.xdomea_dir = office.xdomea_dir or None
    row.contact = {k: v for k, v in vars(office.contact).items() if v} or None
    row.keywords, row.examples = list(office.keywords) or None, list(office.examples) or None
    row.active = office.active
    if office.schedule is not None:
        schedule = session.get(AppointmentSchedule, office.key) or AppointmentSchedule(
            queue=office.key, holidays=[], min_lead_hours=24)
        schedule.hours = office.schedule.hours_dict()
        schedule.slot_minutes, schedule.capacity = office.schedule.slot_minutes, office.schedule.capacity
        schedule.location = office.schedule.location or None
        session.add(schedule)
    return row


def seed_if_empty(session: Session, settings: Settings) -> bool:
    """Fill the tables from the configured profile the first time (keeps what an admin set on
    queues before the catalogue existed: name, retention period, active)."""
    if seeded(session):
        return False
    catalogue = load_profile(settings.kommune_profile)
    before = {q.key: q for q in session.scalars(select(Queue))}
    offices = []
    for office in catalogue.offices:
        old = before.get(office.key)
        if old is not None:
            office = replace(
                office, title=old.name if old.name != office.name else office.title,
                retention_days=old.retention_days or office.retention_days, active=old.active)
        offices.append(office)
    extra = [Office(key=q.key, name=q.name, leistungsform=q.leistungsform or "transfer",
                    retention_days=q.retention_days or 180, active=q.active,
                    description=q.description or "")
             for key, q in before.items() if catalogue.office(key) is None]
    # Part of setting the database up, like creating its tables: not an audited change.
    import_catalogue(session, replace(catalogue, offices=(*offices, *extra)), "system:seed",
                     settings.kommune_profile, audited=False, settings=settings)
    return True


# --- edits from the console (and the CLI) -----------------------------------------------------

class CatalogueError(ValueError):
    """A change cannot be made; the message (German) says why."""


def change_office(session: Session, key: str, changes: dict[str, Any], actor: str, *,
                  settings: Settings) -> Office:
    """Create or change an office: ``changes`` holds the profile form's fields that were given
    (``None`` values are left as they are). Validated like a profile, recorded and audited."""
    from domain import ProfileError
    from domain.profile import office_from_dict
    from store.events import record

    catalogue = read_catalogue(session, settings)
    old = catalogue.office(key)
    plain = office_to_dict(old) if old else {"key": key}
    plain.update({k: v for k, v in changes.items() if v is not None})
    try:
        office = office_from_dict(plain)
    except ProfileError as exc:
        raise CatalogueError(str(exc)) from exc
    if not seeded(session):
        import_catalogue(session, catalogue, actor, "vor der ersten Änderung", settings=settings)
    save_office(session, office)
    retime(session, settings)  # a changed target moves the due moment of the office's open items
    before = office_to_dict(old) if old else None
    after = office_to_dict(office)
    changed = sorted(k for k in set(after) | set(before or {}) if (before or {}).get(k) != after.get(k))
    # Mirrored into the audit trail (config.queue_saved) by store.events.record.
    record(session, None, actor, "queue_saved", f"Zuständigkeit {key} gespeichert", key=key,
           before=before, after=after, changed=",".join(changed)[:64])
    bump(session, actor)
    return office


def change_kommune(session: Session, changes: dict[str, Any], actor: str, *, settings: Settings) -> None:
    """Change the Kommune (name, AGS, postcodes, Gemeinden, neighbouring places)."""
    from domain import ProfileError
    from store.events import record

    catalogue = read_catalogue(session, settings)
    plain = catalogue_to_dict(catalogue)
    before = dict(plain["kommune"])
    plain["kommune"].update({k: v for k, v in changes.items() if v is not None})
    try:
        changed = catalogue_from_dict(plain)
    except ProfileError as exc:
        raise CatalogueError(str(exc)) from exc
    if not seeded(session):
        import_catalogue(session, catalogue, actor, "vor der ersten Änderung", settings=settings)
    row = session.get(KommuneRow, 1)
    k = changed.kommune
    row.name, row.ags, row.kind = k.name, k.ags, k.kind
    row.postcodes, row.neighbours = list(k.postcodes), list(k.neighbours)
    row.address = k.address or None
    _set_zone(session, row, k.timezone)
    row.holiday_region = k.holiday_region
    row.gemeinden = catalogue_to_dict(changed)["kommune"].get("gemeinden", [])
    record(session, None, actor, "kommune_saved", "Angaben zur Kommune gespeichert",
           before=before, after=catalogue_to_dict(changed)["kommune"])
    bump(session, actor)


def change_referral_body(session: Session, name: str, changes: dict[str, Any], actor: str,
                         remove: bool = False, *, settings: Settings) -> None:
    from store.events import record

    name = name.strip()
    if not name:
        raise CatalogueError("Bitte den Namen der Stelle angeben.")
    if not seeded(session):
        import_catalogue(session, read_catalogue(session, settings), actor, "vor der ersten Änderung",
                         settings=settings)
    row = session.get(ReferralBodyRow, name)
    if remove:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            last = session.scalar(select(ReferralBodyRow.position)
                                  .order_by(ReferralBodyRow.position.desc()).limit(1))
            row = ReferralBodyRow(name=name, position=(last or 0) + 1, handles=[])
            session.add(row)
        for field_name in ("address", "email", "hint"):
            if changes.get(field_name) is not None:
                setattr(row, field_name, str(changes[field_name]).strip() or None)
        if changes.get("handles") is not None:
            row.handles = [h.strip() for h in changes["handles"] if h.strip()]
    record(session, None, actor, "referral_body_saved",
           f"Verweisungsstelle {name} {'entfernt' if remove else 'gespeichert'}", name=name)
    bump(session, actor)


LABEL_TABLES = {"intent": IntentRow, "channel": ChannelKind, "document_role": DocumentRoleRow}
LABEL_KINDS = {"intent": "Anliegenart", "channel": "Kanal", "document_role": "Dokumentrolle"}


def change_label(session: Session, kind: str, key: str, label: str, actor: str,
                 symbol: str | None = None, trusted: bool | None = None, *, settings: Settings) -> None:
    """Rename an intent, a channel kind or a document role as staff and citizens read it (the
    keys stay: items and rules name them); for a channel also its symbol and trust."""
    from store.events import record

    model = LABEL_TABLES.get(kind)
    if model is None:
        raise CatalogueError("Unbekannte Art von Eintrag.")
    label = " ".join(label.split())
    if not label or len(label) > 120:
        raise CatalogueError("Bitte eine Bezeichnung mit höchstens 120 Zeichen angeben.")
    if not seeded(session):
        import_catalogue(session, read_catalogue(session, settings), actor, "vor der ersten Änderung",
                         settings=settings)
    row = session.get(model, key)
    if row is None:
        raise CatalogueError(f"{LABEL_KINDS[kind]} „{key}“ gibt es nicht.")
    before = row.label
    row.label = label
    if kind == "channel":
        if symbol is not None:
            row.symbol = symbol.strip()[:16] or None
        if trusted is not None:
            row.trusted = trusted
    record(session, None, actor, "label_saved", f"{LABEL_KINDS[kind]} {key}: „{label}“",
           entry=kind, key=key, before=before, after=label)
    bump(session, actor)


def change_intent(session: Session, key: str, changes: dict[str, Any], actor: str, *,
                  settings: Settings) -> Intent:
    """Create or change an intent (label, keywords, example phrases, active); ``None`` values
    are left as they are. Validated like a profile, recorded and audited."""
    from domain.profile import intent_from_dict, intent_to_dict

    catalogue = _seeded_catalogue(session, actor, settings)
    old = next((i for i in catalogue.intents if i.key == key), None)
    intent = _validated(intent_from_dict, intent_to_dict(old) if old else {"key": key}, changes)
    _save_entry(session, IntentRow, _intent_row(intent, 0), old is None)
    _record_entry(session, actor, "intent", key, intent_to_dict(old) if old else None,
                  intent_to_dict(intent))
    return intent


def change_channel(session: Session, key: str, changes: dict[str, Any], actor: str, *,
                   settings: Settings) -> Channel:
    """Create or change a channel (label, symbol, trusted, active), as :func:`change_intent`."""
    from domain.profile import channel_from_dict, channel_to_dict

    catalogue = _seeded_catalogue(session, actor, settings)
    old = catalogue.channel(key)
    channel = _validated(channel_from_dict, channel_to_dict(old) if old else {"key": key}, changes)
    _save_entry(session, ChannelKind, _channel_row(channel, 0), old is None)
    _record_entry(session, actor, "channel", key, channel_to_dict(old) if old else None,
                  channel_to_dict(channel))
    return channel


def remove_entry(session: Session, kind: str, key: str, actor: str, *, settings: Settings) -> str:
    """Delete an intent or a channel no item names; one that items name is retired instead
    (kept with its label, no longer chosen or delivered on). Returns what was done (German)."""
    from store.events import record
    from store.models import Item

    model, column = {"intent": (IntentRow, Item.intent), "channel": (ChannelKind, Item.channel)}[kind]
    _seeded_catalogue(session, actor, settings)
    row = session.get(model, key)
    if row is None:
        raise CatalogueError(f"{LABEL_KINDS[kind]} „{key}“ gibt es nicht.")
    used = session.scalar(select(Item.id).where(column == key).limit(1)) is not None
    if used:
        row.active = False
        done = "ausgeblendet (Vorgänge nennen sie; ihre Bezeichnung bleibt)"
    else:
        session.delete(row)
        done = "gelöscht"
    record(session, None, actor, "label_saved", f"{LABEL_KINDS[kind]} {key} {done}",
           entry=kind, key=key, before=row.label, after=None)
    bump(session, actor)
    return done


def _seeded_catalogue(session: Session, actor: str, settings: Settings) -> Catalogue:
    catalogue = read_catalogue(session, settings)
    if not seeded(session):
        import_catalogue(session, catalogue, actor, "vor der ersten Änderung", settings=settings)
    return catalogue


def _validated(parse: Any, plain: dict[str, Any], changes: dict[str, Any]) -> Any:
    from domain import ProfileError

    plain.update({k: v for k, v in changes.items() if v is not None})
    try:
        return parse(plain)
    except ProfileError as exc:
        raise CatalogueError(str(exc)) from exc


def _save_entry(session: Session, model: Any, row: Any, new: bool) -> None:
    """Write an intent or channel row; a new one goes last, a changed one keeps its place."""
    existing = session.get(model, row.key)
    if existing is None:
        last = session.scalar(select(model.position).order_by(model.position.desc()).limit(1))
        row.position = (last + 1) if last is not None else 0
        session.add(row)
        return
    row.position = existing.position
    session.merge(row)


def _record_entry(session: Session, actor: str, kind: str, key: str, before: dict | None,
                  after: dict) -> None:
    from store.events import record

    changed = sorted(k for k in set(after) | set(before or {}) if (before or {}).get(k) != after.get(k))
    record(session, None, actor, "label_saved",
           f"{LABEL_KINDS[kind]} {key} {'angelegt' if before is None else 'gespeichert'}",
           entry=kind, key=key, before=before, after=after, changed=",".join(changed)[:64])
    bump(session, actor)
