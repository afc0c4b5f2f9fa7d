"""Reading the domain catalogue from its tables on a plain connection (store.plain), without the
ORM: the one reader for the ORM's sessions (store.catalogue) and for the command line's reads
that start without SQLAlchemy (``eingang items``, issue 16).

Every process keeps one loaded :class:`domain.Catalogue`; it looks at the revision at most every
``CHECK_SECONDS`` (a single-row read), so a change in the console reaches every worker within
seconds and without a restart. A database not seeded yet (``eingang kommune import`` or the
first ``upgrade_schema``) is read as the configured profile.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from time import monotonic
from typing import TYPE_CHECKING, Any

from domain import (
    Catalogue,
    Channel,
    Contact,
    DocumentRole,
    Intent,
    Office,
    ReferralBody,
    catalogue_from_dict,
    load_profile,
)
from domain.profile import office_to_dict
from store.plain import Plain

if TYPE_CHECKING:
    from store.settings import Settings

CHECK_SECONDS = 2.0
_lock = threading.Lock()
_loaded: dict[str, tuple[float, Catalogue]] = {}  # database URL → (checked at, catalogue)

_KOMMUNE = ("name", "ags", "kind", "postcodes", "gemeinden", "neighbours", "address", "timezone",
            "holiday_region", "revision")
_QUEUE = ("key", "name", "title", "rechtskreis", "leistungsform", "follow_up", "retention_days",
          "retention_basis", "response_target_hours", "signature", "xdomea_dir", "contact", "keywords",
          "examples", "description", "active")


def loaded(settings: Settings) -> Catalogue | None:
    """This process's copy of the catalogue while it is younger than ``CHECK_SECONDS``."""
    cached = _loaded.get(settings.sqlalchemy_url)
    return cached[1] if cached and monotonic() - cached[0] < CHECK_SECONDS else None


def current(db: Plain, settings: Settings) -> Catalogue:
    """The catalogue as the database holds it now (at most ``CHECK_SECONDS`` old): the copy
    kept while the revision is unchanged, else read again. The settings name the database,
    the profile it was seeded from and the name and postcodes that override the catalogue's."""
    fresh = loaded(settings)
    if fresh is not None:
        return fresh
    cached = _loaded.get(settings.sqlalchemy_url)
    revision = db.scalar("SELECT revision FROM kommune WHERE id = 1")
    if cached and revision is not None and cached[1].revision == revision:
        catalogue = cached[1]
    else:
        catalogue = with_settings(read_catalogue(db, settings), settings)
    with _lock:
        _loaded[settings.sqlalchemy_url] = (monotonic(), catalogue)
    return catalogue


def forget() -> None:
    """Drop the loaded copies (after a change in this process, and in tests)."""
    with _lock:
        _loaded.clear()


def with_settings(catalogue: Catalogue, settings: Settings) -> Catalogue:
    """``EINGANG_KOMMUNE_NAME``/``…_POSTCODES``, where set, win over the catalogue (deployments
    configured that way before the catalogue existed keep working)."""
    kommune = catalogue.kommune
    if settings.kommune_name.strip():
        kommune = replace(kommune, name=settings.kommune_name.strip())
    if settings.postcodes:
        kommune = replace(kommune, postcodes=tuple(sorted(settings.postcodes)), gemeinden=())
    return replace(catalogue, kommune=kommune) if kommune is not catalogue.kommune else catalogue


def read_catalogue(db: Plain, settings: Settings) -> Catalogue:
    """The catalogue from the tables; the configured profile where they were never filled."""
    found = db.rows("kommune", _KOMMUNE, "WHERE id = 1")
    if not found:
        return load_profile(settings.kommune_profile)
    row = found[0]
    schedules = {s.queue: s for s in db.rows(
        "appointment_schedules", ("queue", "hours", "slot_minutes", "capacity", "location"))}
    offices = tuple(_office(q, schedules.get(q.key)) for q in db.rows("queues", _QUEUE, "ORDER BY position, key"))
    return Catalogue(
        kommune=catalogue_from_dict({
            "kommune": {"name": row.name, "ags": row.ags, "kind": row.kind,
                        "postcodes": row.postcodes, "gemeinden": row.gemeinden,
                        "neighbours": row.neighbours, "address": row.address,
                        "timezone": row.timezone, "holiday_region": row.holiday_region},
            "offices": [office_to_dict(o) for o in offices],
        }, stored=True).kommune,
        offices=offices,
        referral_bodies=tuple(
            ReferralBody(b.name, b.address or "", b.email or "", tuple(b.handles or ()), b.hint or "",
                         b.phrase or "", b.phrase_accusative or "")
            for b in db.rows("referral_bodies", ("name", "address", "email", "handles", "hint", "phrase",
                                                 "phrase_accusative"), "ORDER BY position")
        ),
        intents=tuple(Intent(i.key, i.label, tuple(i.keywords or ()), tuple(i.examples or ()),
                             active=i.active)
                      for i in db.rows("intents", ("key", "label", "keywords", "examples", "active"),
                                       "ORDER BY position")),
        channels=tuple(Channel(c.key, c.label, c.symbol or "", c.trusted, active=c.active)
                       for c in db.rows("channel_kinds", ("key", "label", "symbol", "trusted", "active"),
                                        "ORDER BY position")),
        document_roles=tuple(DocumentRole(r.key, r.label)
                             for r in db.rows("document_roles", ("key", "label"), "ORDER BY position")),
        revision=row.revision,
    )


def _office(q: Any, schedule: Any) -> Office:
    from domain import Schedule

    office_schedule = None
    if schedule is not None:
        office_schedule = Schedule(
            hours=tuple(sorted((int(d), tuple((w[0], w[1]) for w in windows))
                               for d, windows in (schedule.hours or {}).items())),
            slot_minutes=schedule.slot_minutes, capacity=schedule.capacity,
            location=schedule.location or "",
        )
    contact = q.contact or {}
    return Office(
        key=q.key, name=q.name, title=q.title or "", rechtskreis=q.rechtskreis or "",
        leistungsform=q.leistungsform, follow_up=q.follow_up,
        retention_days=q.retention_days or 180, retention_basis=q.retention_basis or "intake",
        response_target_hours=q.response_target_hours or None,
        schedule=office_schedule, signature=q.signature or "", xdomea_dir=q.xdomea_dir or "",
        contact=Contact(contact.get("phone", ""), contact.get("email", ""), contact.get("address", "")),
        keywords=tuple(q.keywords or ()), examples=tuple(q.examples or ()),
        description=q.description or "", active=q.active,
    )
