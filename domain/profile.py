"""Kommune profiles: the catalogue as a YAML file (``domain/profiles/<name>.yaml``).

``load_profile`` reads and checks a profile; ``catalogue_from_dict`` / ``catalogue_to_dict``
convert between the catalogue and its plain form (the same form ``eingang kommune export``
writes and ``import`` reads). Errors are :class:`ProfileError` with a German message.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.catalogue import (
    FOLLOW_UPS,
    LEISTUNGSFORMEN,
    RETENTION_BASES,
    SPECIAL_QUEUES,
    Catalogue,
    Channel,
    Contact,
    DocumentRole,
    Gemeinde,
    Intent,
    Kommune,
    Office,
    ReferralBody,
    Schedule,
    public_holidays,
)

__all__ = ["ProfileError", "catalogue_from_dict", "catalogue_to_dict", "default_catalogue",
           "dump_profile", "load_profile"]

PROFILES = Path(__file__).with_name("profiles")
DEFAULT_PROFILE = "oldenburg"
KEY = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")
_POSTCODE = re.compile(r"^\d{5}$")


class ProfileError(ValueError):
    """A profile cannot be used; the message (German) says why."""


def profile_path(name_or_path: str) -> Path:
    """A bundled profile by name (``oldenburg``, ``ammerland``) or a file path."""
    bundled = PROFILES / f"{name_or_path}.yaml"
    if bundled.is_file():
        return bundled
    path = Path(name_or_path)
    if path.is_file():
        return path
    known = ", ".join(sorted(p.stem for p in PROFILES.glob("*.yaml") if "." not in p.stem))
    raise ProfileError(f"Kommunenprofil „{name_or_path}“ gibt es nicht (mitgeliefert: {known}).")


def profile_companion(name_or_path: str, kind: str) -> Path | None:
    """A file that goes with a profile, e.g. ``ammerland.wegweiser.yaml`` beside
    ``ammerland.yaml`` (the public form's wayfinder texts of that Kommune); None if there is none."""
    try:
        path = profile_path(name_or_path)
    except ProfileError:
        return None
    companion = path.with_name(f"{path.stem}.{kind}.yaml")
    return companion if companion.is_file() else None


def load_profile(name_or_path: str = DEFAULT_PROFILE) -> Catalogue:
    path = profile_path(name_or_path)
    if path.parent == PROFILES:
        return _bundled(path.stem)
    return _read(path)


@lru_cache(maxsize=8)
def _bundled(name: str) -> Catalogue:
    return _read(PROFILES / f"{name}.yaml")


def _read(path: Path) -> Catalogue:
    from domain import yamlfile  # here: reading the catalogue from the database needs no YAML

    try:
        doc = yamlfile.safe_load(path.read_text(encoding="utf-8"))
    except yamlfile.YAMLError as exc:
        raise ProfileError(f"Kommunenprofil {path.name} ist kein gültiges YAML: {exc}") from exc
    return catalogue_from_dict(doc)


def default_catalogue() -> Catalogue:
    """The demo Kommune's catalogue (Stadt Oldenburg), for tools run without a database."""
    return _bundled(DEFAULT_PROFILE)


# --- from the plain form ----------------------------------------------------------------------

def catalogue_from_dict(doc: Any, revision: int = 0, *, stored: bool = False) -> Catalogue:
    """The catalogue of a profile's plain form, checked. ``stored``: read back from the database,
    where only checked catalogues are written; the holiday region is then not checked again
    (that loads the holidays library's country: ~0.1 s of every command's start)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("kommune"), dict):
        raise ProfileError("Ein Kommunenprofil beginnt mit „kommune:“ (Name, Postleitzahlen …).")
    offices = tuple(office_from_dict(o) for o in _list(doc, "offices"))
    keys = [o.key for o in offices]
    if len(set(keys)) != len(keys):
        raise ProfileError("Eine Zuständigkeit ist doppelt eingetragen.")
    missing = [k for k in SPECIAL_QUEUES if k not in keys]
    if missing:
        raise ProfileError(f"Es fehlt die Zuständigkeit „{missing[0]}“ (jede Kommune braucht "
                           "„extern“ und „clearing“).")
    kommune = _kommune(doc["kommune"], set(keys), stored)
    return Catalogue(
        kommune=kommune,
        offices=offices,
        referral_bodies=tuple(_referral(b) for b in _list(doc, "referral_bodies")),
        intents=_unique(tuple(intent_from_dict(i) for i in _list(doc, "intents")), "Anliegenart"),
        channels=_unique(tuple(channel_from_dict(c) for c in _list(doc, "channels")), "Kanal"),
        document_roles=tuple(DocumentRole(_key(r, "Dokumentrolle"), str(r.get("label") or r["key"]))
                             for r in _list(doc, "document_roles")),
        revision=revision,
    )


def intent_from_dict(raw: dict) -> Intent:
    key = _key(raw, "Anliegenart")
    return Intent(key, _label(raw, "Anliegenart"),
                  keywords=_strings(raw.get("keywords"), "keywords"),
                  examples=_strings(raw.get("examples"), "examples"),
                  active=bool(raw.get("active", True)))


# Channel keys are counted per channel in the dashboard's table (steering_daily.channel, 16).
CHANNEL_KEY_LENGTH = 16


def channel_from_dict(raw: dict) -> Channel:
    key = _key(raw, "Kanal")
    if len(key) > CHANNEL_KEY_LENGTH:
        raise ProfileError(f"Kanal: Schlüssel „{key}“ zu lang (höchstens {CHANNEL_KEY_LENGTH} Zeichen).")
    symbol = str(raw.get("symbol") or "").strip()
    if len(symbol) > 16:
        raise ProfileError(f"Kanal {key}: Symbol mit höchstens 16 Zeichen angeben.")
    return Channel(key, _label(raw, "Kanal"), symbol, bool(raw.get("trusted", False)),
                   active=bool(raw.get("active", True)))


def _label(raw: dict, what: str) -> str:
    label = " ".join(str(raw.get("label") or raw.get("key") or "").split())
    if len(label) > 120:
        raise ProfileError(f"{what} {raw.get('key')}: Bezeichnung mit höchstens 120 Zeichen angeben.")
    return label


def _unique(entries: tuple, what: str) -> tuple:
    keys = [e.key for e in entries]
    doubled = next((k for k in keys if keys.count(k) > 1), None)
    if doubled:
        raise ProfileError(f"{what} „{doubled}“ ist doppelt eingetragen.")
    return entries


def intent_to_dict(i: Intent) -> dict[str, Any]:
    out: dict[str, Any] = {"key": i.key, "label": i.label}
    if i.keywords:
        out["keywords"] = list(i.keywords)
    if i.examples:
        out["examples"] = list(i.examples)
    if not i.active:
        out["active"] = False
    return out


def channel_to_dict(c: Channel) -> dict[str, Any]:
    out: dict[str, Any] = {"key": c.key, "label": c.label, "symbol": c.symbol, "trusted": c.trusted}
    if not c.active:
        out["active"] = False
    return out


def _list(doc: dict, name: str) -> list[dict]:
    value = doc.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ProfileError(f"„{name}“ muss eine Liste von Einträgen sein.")
    return value


def _key(raw: dict, what: str) -> str:
    key = str(raw.get("key") or "")
    if not KEY.match(key):
        raise ProfileError(f"{what}: Schlüssel „{key}“ ungültig (Kleinbuchstaben, Ziffern, _; "
                           "2–32 Zeichen, beginnt mit einem Buchstaben).")
    return key


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str | int):
        value = [value]
    if not isinstance(value, list):
        raise ProfileError(f"„{what}“ muss eine Liste sein.")
    return tuple(str(v).strip() for v in value if str(v).strip())


def _postcodes(value: Any, where: str) -> tuple[str, ...]:
    codes = _strings(value, "postcodes")
    bad = [c for c in codes if not _POSTCODE.match(c)]
    if bad:
        raise ProfileError(f"{where}: „{bad[0]}“ ist keine fünfstellige Postleitzahl.")
    return codes


def _kommune(raw: dict, office_keys: set[str], stored: bool = False) -> Kommune:
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ProfileError("Die Kommune braucht einen Namen.")
    gemeinden = []
    for g in raw.get("gemeinden") or []:
        gname = str(g.get("name") or "").strip()
        if not gname:
            raise ProfileError("Eine Gemeinde ohne Namen.")
        offices = _strings(g.get("offices"), "offices")
        unknown = [o for o in offices if o not in office_keys]
        if unknown:
            raise ProfileError(f"Gemeinde {gname}: unbekannte Zuständigkeit „{unknown[0]}“.")
        gemeinden.append(Gemeinde(gname, str(g.get("ags") or ""),
                                  _postcodes(g.get("postcodes"), f"Gemeinde {gname}"), offices))
    kommune = Kommune(
        name=name, ags=str(raw.get("ags") or ""), kind=str(raw.get("kind") or "Stadt"),
        postcodes=_postcodes(raw.get("postcodes"), name), gemeinden=tuple(gemeinden),
        neighbours=_strings(raw.get("neighbours"), "neighbours"),
        address=" ".join(str(raw.get("address") or "").split()),
        timezone=_zone(raw.get("timezone") or Kommune.timezone, name),
        holiday_region=(str(raw.get("holiday_region") or Kommune.holiday_region).strip() if stored
                        else _holiday_region(raw.get("holiday_region") or Kommune.holiday_region, name)),
    )
    if not kommune.all_postcodes:
        raise ProfileError(f"{name}: keine Postleitzahlen (örtliche Zuständigkeit).")
    return kommune


def _zone(raw: Any, where: str) -> str:
    name = str(raw).strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise ProfileError(f"{where}: Zeitzone „{name}“ unbekannt (z. B. Europe/Berlin).") from exc
    return name


def _holiday_region(raw: Any, where: str) -> str:
    """"DE-NI" (country and Land, as the holidays library names them) or "DE" (nationwide)."""
    region = str(raw).strip()
    try:
        public_holidays(region, date.today().year)
    except NotImplementedError as exc:
        raise ProfileError(f"{where}: Feiertagsregion „{region}“ unbekannt (Land als DE-NI, DE-BY "
                           "…; DE: nur bundesweite Feiertage).") from exc
    return region


def office_from_dict(raw: dict) -> Office:
    key = _key(raw, "Zuständigkeit")
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ProfileError(f"Zuständigkeit {key}: Name fehlt.")
    form = raw.get("leistungsform") or None
    if key in SPECIAL_QUEUES:
        form = None
    elif form not in LEISTUNGSFORMEN:
        raise ProfileError(f"Zuständigkeit {key}: Leistungsform „{form}“ unbekannt "
                           f"(bekannt: {', '.join(LEISTUNGSFORMEN)}).")
    follow_up = raw.get("follow_up") or None
    if follow_up is not None and follow_up not in FOLLOW_UPS:
        raise ProfileError(f"Zuständigkeit {key}: Folgeschritt „{follow_up}“ unbekannt "
                           f"(bekannt: {', '.join(FOLLOW_UPS)}).")
    days = raw.get("retention_days", 180)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ProfileError(f"Zuständigkeit {key}: Aufbewahrung in ganzen Tagen (mindestens 1).")
    basis = raw.get("retention_basis") or "intake"
    if basis not in RETENTION_BASES:
        raise ProfileError(f"Zuständigkeit {key}: Rechtsgrundlage der Aufbewahrung „{basis}“ "
                           f"unbekannt (bekannt: {', '.join(RETENTION_BASES)}).")
    target = raw.get("response_target_hours")
    if target in (None, ""):
        target = None
    elif (isinstance(target, bool) or not isinstance(target, int | float | str)
          or not _positive_hours(target)):
        raise ProfileError(f"Zuständigkeit {key}: Zielzeit bis zur ersten Bearbeitung in Stunden "
                           "angeben (eine Zahl größer als 0, höchstens 8760).")
    else:
        target = _positive_hours(target)
    contact = raw.get("contact") or {}
    handover = str(raw.get("xdomea_dir") or "").strip()
    if handover and not handover.startswith("/"):
        raise ProfileError(f"Zuständigkeit {key}: Übergabeordner für die E-Akte als absoluten Pfad "
                           "angeben, z. B. /srv/e-akte/import.")
    return Office(
        key=key, name=name, title=str(raw.get("title") or ""),
        rechtskreis=str(raw.get("rechtskreis") or ""), leistungsform=form, follow_up=follow_up,
        retention_days=days, retention_basis=basis, response_target_hours=target,
        schedule=_schedule(raw.get("schedule"), key),
        signature=str(raw.get("signature") or "").strip(),
        xdomea_dir=handover,
        contact=Contact(str(contact.get("phone") or ""), str(contact.get("email") or ""),
                        str(contact.get("address") or "")),
        keywords=_strings(raw.get("keywords"), "keywords"),
        examples=_strings(raw.get("examples"), "examples"),
        description=str(raw.get("description") or "").strip(),
        active=bool(raw.get("active", True)),
    )


def _positive_hours(raw: int | float | str) -> float | None:
    """Hours as a number (a German decimal comma allowed); None where not in (0, one year]."""
    try:
        hours = float(str(raw).strip().replace(",", "."))
    except ValueError:
        return None
    return hours if 0 < hours <= 8760 else None


def _schedule(raw: Any, key: str) -> Schedule | None:
    if not raw:
        return None
    if not isinstance(raw, dict):
        raise ProfileError(f"Zuständigkeit {key}: „schedule“ muss eine Zuordnung sein.")
    hours = []
    for day, windows in sorted((raw.get("hours") or {}).items(), key=lambda kv: int(kv[0])):
        if not 0 <= int(day) <= 6:
            raise ProfileError(f"Zuständigkeit {key}: Wochentag {day} (0 = Montag … 6 = Sonntag).")
        parsed = []
        for window in windows or []:
            if (not isinstance(window, list) or len(window) != 2
                    or not all(_TIME.match(str(t)) for t in window)):
                raise ProfileError(f"Zuständigkeit {key}: Sprechzeit als [\"08:30\", \"12:00\"].")
            parsed.append((str(window[0]), str(window[1])))
        hours.append((int(day), tuple(parsed)))
    return Schedule(hours=tuple(hours), slot_minutes=int(raw.get("slot_minutes", 45)),
                    capacity=int(raw.get("capacity", 1)), location=str(raw.get("location") or ""))


def _referral(raw: dict) -> ReferralBody:
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ProfileError("Eine Verweisungsstelle ohne Namen.")
    return ReferralBody(name=name, address=str(raw.get("address") or ""),
                        email=str(raw.get("email") or ""),
                        handles=_strings(raw.get("handles"), "handles"),
                        hint=" ".join(str(raw.get("hint") or "").split()),
                        phrase=str(raw.get("phrase") or ""),
                        phrase_accusative=str(raw.get("phrase_accusative") or ""))


# --- to the plain form --------------------------------------------------------------------------

def office_to_dict(o: Office) -> dict[str, Any]:
    out: dict[str, Any] = {"key": o.key, "name": o.name}
    optional = {
        "title": o.title, "rechtskreis": o.rechtskreis, "leistungsform": o.leistungsform,
        "follow_up": o.follow_up, "description": o.description, "signature": o.signature,
        "xdomea_dir": o.xdomea_dir,
    }
    out.update({k: v for k, v in optional.items() if v})
    out["retention_days"] = o.retention_days
    if o.retention_basis != "intake":
        out["retention_basis"] = o.retention_basis
    if o.response_target_hours:
        hours = o.response_target_hours
        out["response_target_hours"] = int(hours) if float(hours).is_integer() else hours
    if o.schedule:
        out["schedule"] = {"hours": o.schedule.hours_dict(), "slot_minutes": o.schedule.slot_minutes,
                           "capacity": o.schedule.capacity}
        if o.schedule.location:
            out["schedule"]["location"] = o.schedule.location
    contact = {k: v for k, v in vars(o.contact).items() if v}
    if contact:
        out["contact"] = contact
    if o.keywords:
        out["keywords"] = list(o.keywords)
    if o.examples:
        out["examples"] = list(o.examples)
    if not o.active:
        out["active"] = False
    return out


def catalogue_to_dict(c: Catalogue) -> dict[str, Any]:
    k = c.kommune
    kommune: dict[str, Any] = {"name": k.name, "ags": k.ags, "kind": k.kind}
    if k.postcodes:
        kommune["postcodes"] = list(k.postcodes)
    if k.gemeinden:
        kommune["gemeinden"] = [
            {"name": g.name, "ags": g.ags, "postcodes": list(g.postcodes), "offices": list(g.offices)}
            for g in k.gemeinden
        ]
    if k.neighbours:
        kommune["neighbours"] = list(k.neighbours)
    if k.address:
        kommune["address"] = k.address
    kommune["timezone"], kommune["holiday_region"] = k.timezone, k.holiday_region
    return {
        "kommune": kommune,
        "offices": [office_to_dict(o) for o in c.offices],
        "referral_bodies": [
            {key: value for key, value in (("name", b.name), ("address", b.address),
                                            ("email", b.email), ("handles", list(b.handles)),
                                            ("phrase", b.phrase),
                                            ("phrase_accusative", b.phrase_accusative),
                                            ("hint", b.hint)) if value}
            for b in c.referral_bodies
        ],
        "intents": [intent_to_dict(i) for i in c.intents],
        "channels": [channel_to_dict(ch) for ch in c.channels],
        "document_roles": [{"key": r.key, "label": r.label} for r in c.document_roles],
    }


def dump_profile(c: Catalogue) -> str:
    import yaml

    return yaml.safe_dump(catalogue_to_dict(c), allow_unicode=True, sort_keys=False, width=100)
