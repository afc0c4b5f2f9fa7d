"""FIT-Connect destinations: from the environment (``EINGANG_FITCONNECT_DESTINATIONS``,
read-only in the console) and from the admin console (secrets stored encrypted).

The subscriber re-reads the list on every pass, so a destination added, changed or
deactivated in the console takes effect without a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import secretbox
from store.channel_config import ConfigError, poll_interval, with_console_rows
from store.events import record
from store.models import FitConnectDestinationConfig
from store.settings import FitConnectDestination, Settings

_NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
SECRET_FIELDS = ("client_secret", "encryption_key", "signing_key", "callback_secret")


@dataclass
class DestinationEntry:
    """One row of the console's list (no secrets in it)."""

    name: str
    destination_id: str
    api_url: str
    client_id: str
    queue_hint: str | None
    active: bool
    from_environment: bool
    has_callback: bool
    problem: str | None = None


def to_destination(row: FitConnectDestinationConfig, settings: Settings) -> FitConnectDestination:
    """The subscriber's view of a console destination (raises SecretUnreadable)."""
    key = settings.secret_key
    return FitConnectDestination(
        name=row.name, destination_id=row.destination_id, api_url=row.api_url,
        token_url=row.token_url, client_id=row.client_id,
        client_secret=secretbox.decrypt(row.client_secret_encrypted, key),
        scope=row.scope, encryption_key=secretbox.decrypt(row.encryption_key_encrypted, key),
        signing_key=secretbox.decrypt(row.signing_key_encrypted, key),
        callback_secret=(secretbox.decrypt(row.callback_secret_encrypted, key)
                         if row.callback_secret_encrypted else ""),
        queue_hint=row.queue_hint, poll_interval=row.poll_interval,
    )


def active_destinations(session: Session, settings: Settings) -> list[FitConnectDestination]:
    rows = session.scalars(select(FitConnectDestinationConfig)
                           .where(FitConnectDestinationConfig.active.is_(True))
                           .order_by(FitConnectDestinationConfig.name))
    return with_console_rows(settings.fitconnect_destinations, rows,
                             lambda row: to_destination(row, settings), "FIT-Connect destination",
                             "secrets")


def destination(session: Session, settings: Settings, name: str) -> FitConnectDestination | None:
    return next((d for d in active_destinations(session, settings) if d.name == name), None)


def entries(session: Session, settings: Settings) -> list[DestinationEntry]:
    result = [DestinationEntry(d.name, d.destination_id, d.api_url, d.client_id, d.queue_hint, True,
                               True, bool(d.callback_secret)) for d in settings.fitconnect_destinations]
    for row in session.scalars(select(FitConnectDestinationConfig).order_by(FitConnectDestinationConfig.name)):
        problem = None
        try:
            to_destination(row, settings)
        except secretbox.SecretUnreadable as exc:
            problem = str(exc)
        result.append(DestinationEntry(row.name, row.destination_id, row.api_url, row.client_id,
                                       row.queue_hint, row.active, False,
                                       bool(row.callback_secret_encrypted), problem))
    return result


def clean(values: dict[str, Any], *, new: bool, queues: dict[str, str], settings: Settings,
          existing: FitConnectDestinationConfig | None) -> dict[str, Any]:
    """Checked console input (a secret left empty keeps the stored one)."""
    from jwcrypto import jwk

    errors: dict[str, str] = {}
    text = {k: str(values.get(k) or "").strip() for k in values}
    name = text.get("name", "").lower()
    if new:
        if not _NAME.fullmatch(name):
            errors["name"] = ("Name angeben: Kleinbuchstaben, Ziffern, Punkt, Binde- oder Unterstrich, "
                              "z. B. „ozg“.")
        elif name in {d.name for d in settings.fitconnect_destinations} or existing is not None:
            errors["name"] = f"Einen Zustellpunkt „{name}“ gibt es schon."
    if not _UUID.fullmatch(text.get("destination_id", "")):
        errors["destination_id"] = "Die Destination-ID aus dem Self-Service-Portal angeben (eine UUID)."
    for field, label in (("api_url", "Adresse der Submission API"), ("token_url", "Adresse des Token-Endpunkts")):
        if not re.fullmatch(r"https?://\S+", text.get(field, "")):
            errors[field] = f"{label} angeben (https://…)."
    if not text.get("client_id"):
        errors["client_id"] = "Client-ID des API-Clients angeben."
    for field, label in (("client_secret", "Client-Secret"), ("encryption_key", "privaten Entschlüsselungsschlüssel"),
                         ("signing_key", "privaten Signaturschlüssel")):
        stored = getattr(existing, f"{field}_encrypted", "") if existing else ""
        if not text.get(field) and not stored:
            errors[field] = f"Den {label} angeben." if field != "client_secret" else "Das Client-Secret angeben."
    for field in ("encryption_key", "signing_key"):
        if text.get(field) and field not in errors:
            try:
                key = jwk.JWK.from_json(text[field])
                if not key.has_private:
                    raise ValueError
            except Exception:
                errors[field] = "Einen privaten Schlüssel als JWK (JSON) einfügen."
    queue_hint = text.get("queue_hint") or None
    if queue_hint and queue_hint not in queues:
        errors["queue_hint"] = "Eine der Zuständigkeiten wählen (oder keine)."
    interval = poll_interval(text.get("poll_interval", ""), errors, low=10)
    if errors:
        raise ConfigError(errors)
    return {"name": name or (existing.name if existing else ""),
            "destination_id": text["destination_id"].lower(), "api_url": text["api_url"],
            "token_url": text["token_url"], "client_id": text["client_id"],
            "scope": text.get("scope") or None, "queue_hint": queue_hint, "poll_interval": interval,
            "active": bool(values.get("active")),
            **{f: text.get(f) or None for f in SECRET_FIELDS}}


def save(session: Session, settings: Settings, clean_values: dict[str, Any], actor: str,
         existing: FitConnectDestinationConfig | None) -> FitConnectDestinationConfig:
    row = existing or FitConnectDestinationConfig(name=clean_values["name"])
    for field in ("destination_id", "api_url", "token_url", "client_id", "scope", "queue_hint",
                  "poll_interval", "active"):
        setattr(row, field, clean_values[field])
    for field in SECRET_FIELDS:
        if clean_values[field]:
            setattr(row, f"{field}_encrypted", secretbox.encrypt(clean_values[field], settings.secret_key))
        elif existing is None:
            setattr(row, f"{field}_encrypted", "")
    row.updated_by = actor
    session.add(row)
    session.flush()
    record(session, None, actor, "fitconnect_saved",
           f"FIT-Connect-Zustellpunkt {row.name} gespeichert ({'aktiv' if row.active else 'deaktiviert'})",
           destination=row.name, destination_id=row.destination_id)
    return row
