"""The domain catalogue's use cases, for the console (admin/routes/catalogue.py) and the CLI
(``eingang kommune import|export``).

Each runs in a transaction of its own: validated as a profile is (store.catalogue), written,
recorded and audited, the catalogue revision raised so every process reads the change.
``admin/`` never writes the catalogue's tables itself (tests/test_architecture.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain import Catalogue, dump_profile
from store import audit
from store.catalogue import (
    CatalogueError,
    change_channel,
    change_intent,
    change_kommune,
    change_label,
    change_office,
    change_referral_body,
    import_catalogue,
    read_catalogue,
    remove_entry,
)
from store.db import session_scope
from store.events import record
from store.models import User
from store.settings import Settings
from store.users import list_users, update_user

__all__ = ["CatalogueError", "export_profile", "import_profile", "remove", "save_channel",
           "save_intent", "save_kommune", "save_label", "save_office", "save_referral_body",
           "set_queue_access"]


def save_office(settings: Settings, key: str, changes: dict[str, Any], actor: str) -> None:
    """Create the office ``key`` or change the fields given (``None`` values stay as they are)."""
    with session_scope(settings) as session:
        change_office(session, key, changes, actor, settings=settings)


def save_kommune(settings: Settings, changes: dict[str, Any], actor: str) -> None:
    """Name, AGS, kind, postcodes, Gemeinden, neighbours and address of the Kommune."""
    with session_scope(settings) as session:
        change_kommune(session, changes, actor, settings=settings)


def save_referral_body(settings: Settings, name: str, changes: dict[str, Any], actor: str, *,
                       remove: bool = False) -> None:
    """Add, change or (``remove``) delete a body requests are referred to."""
    with session_scope(settings) as session:
        change_referral_body(session, name, changes, actor, remove=remove, settings=settings)


def save_label(settings: Settings, kind: str, key: str, label: str, actor: str, *,
               symbol: str | None = None, trusted: bool | None = None) -> None:
    """The label (and for a channel its symbol and trust) of an intent, channel or role."""
    with session_scope(settings) as session:
        change_label(session, kind, key, label, actor, symbol=symbol, trusted=trusted, settings=settings)


def save_intent(settings: Settings, key: str, changes: dict[str, Any], actor: str) -> None:
    """Add an intent (Anliegenart) or change one: label, keywords, example phrases, active."""
    with session_scope(settings) as session:
        change_intent(session, key, changes, actor, settings=settings)


def save_channel(settings: Settings, key: str, changes: dict[str, Any], actor: str) -> None:
    """Add a channel or change one: label, symbol, trusted or not, active."""
    with session_scope(settings) as session:
        change_channel(session, key, changes, actor, settings=settings)


def remove(settings: Settings, kind: str, key: str, actor: str) -> str:
    """Delete an intent or a channel no item names, or retire one that items name; returns
    what was done (German)."""
    with session_scope(settings) as session:
        return remove_entry(session, kind, key, actor, settings=settings)


def set_queue_access(settings: Settings, key: str, usernames: Iterable[str], actor: str,
                     editable: Callable[[User], bool]) -> tuple[list[str], list[str]]:
    """Give exactly ``usernames`` (of the users whose queue list decides, ``editable``) the
    office ``key`` in their queue list; returns (granted, revoked). Who sees every queue by
    role is the caller's access policy (admin.security), not changed here."""
    chosen = set(usernames)
    granted: list[str] = []
    revoked: list[str] = []
    with session_scope(settings) as session:
        if read_catalogue(session, settings).office(key) is None:
            raise CatalogueError("Diese Zuständigkeit gibt es nicht.")
        for target in list_users(session):
            if not editable(target):
                continue
            has, wants = key in target.queues, target.username in chosen
            if has == wants:
                continue
            queues = [q for q in target.queues if q != key] + ([key] if wants else [])
            update_user(session, target, actor, queues=queues)
            (granted if wants else revoked).append(target.username)
        if granted or revoked:
            record(session, None, actor, "queue_access_changed",
                   f"Zugriff auf Zuständigkeit {key} geändert", key=key,
                   granted=",".join(granted)[:64] or None, revoked=",".join(revoked)[:64] or None,
                   granted_users=granted, revoked_users=revoked)
    return granted, revoked


def import_profile(settings: Settings, catalogue: Catalogue, actor: str, source: str) -> int:
    """Replace the catalogue by a Kommune profile (``domain.load_profile``: a bundled one or a
    YAML file, named by ``source``); offices missing from it are deactivated, not deleted.
    Returns the catalogue's new revision."""
    with session_scope(settings) as session:
        return import_catalogue(session, catalogue, actor, source, settings=settings)


def export_profile(settings: Settings, actor: str) -> str:
    """The catalogue as a Kommune profile (YAML); the export is audited."""
    with session_scope(settings) as session:
        text = dump_profile(read_catalogue(session, settings))
        audit.append(session, "config.export", actor=actor, target="catalogue")
    return text
