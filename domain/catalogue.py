"""The domain catalogue: what a Kommune's Eingangsservice knows about itself.

Plain, immutable data. Every part of eingang reads the one catalogue it is handed (loaded from
the database by ``store.catalogue``, or from a Kommune profile file) instead of keeping its own
copy of queue names, Leistungsformen, retention periods or labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from zoneinfo import ZoneInfo

__all__ = [
    "CLEARING", "EXTERN", "FOLLOW_UPS", "FOLLOW_UP_LABELS", "LEISTUNGSFORMEN", "SPECIAL_QUEUES",
    "Catalogue", "Channel", "Contact", "DocumentRole", "Gemeinde", "Intent", "Kommune", "Office",
    "ReferralBody", "Schedule", "default_follow_up", "format_reference", "public_holidays",
]

LEISTUNGSFORMEN = ("transfer", "transfer_beratung", "sozialintegrativ")
FOLLOW_UPS = ("auto_process", "offer_appointment", "clearing", "refer")
FOLLOW_UP_LABELS = {
    "auto_process": "automatische Bearbeitung",
    "offer_appointment": "Terminangebot",
    "clearing": "Clearing-Stelle",
    "refer": "Verweisung",
}
# Two queues every Kommune has: referral outside the house and the human Clearing-Stelle.
EXTERN, CLEARING = "extern", "clearing"
SPECIAL_QUEUES = (EXTERN, CLEARING)
RETENTION_BASES = ("intake", "sensitive", "referral")


@dataclass(frozen=True)
class Gemeinde:
    """A kreisangehörige Gemeinde of a Landkreis: its postcodes and the offices it runs itself
    (e.g. a Wohngeldstelle in the Rathaus) for its residents."""

    name: str
    ags: str = ""
    postcodes: tuple[str, ...] = ()
    offices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Kommune:
    name: str
    ags: str = ""
    kind: str = "Stadt"  # Stadt | Landkreis | Region
    postcodes: tuple[str, ...] = ()  # the Kommune's own (a kreisfreie Stadt: all of them)
    gemeinden: tuple[Gemeinde, ...] = ()
    # Places outside the Kommune that citizens name as where they live (örtlich unzuständig).
    neighbours: tuple[str, ...] = ()
    address: str = ""  # the Eingangsservice: where appointments are when an office names no place
    # The Kommune's clock and calendar: local days (receipt day, dashboard days, deadlines at the
    # end of a local day, appointment hours) and the public holidays that close offices and move
    # a deadline ending on one (country and Land as the holidays library names them: "DE-NI";
    # a profile naming no Land gets the nationwide ones only).
    timezone: str = "Europe/Berlin"
    holiday_region: str = "DE"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_public_holiday(self, day: date) -> bool:
        return day in public_holidays(self.holiday_region, day.year)

    @property
    def all_postcodes(self) -> frozenset[str]:
        codes = set(self.postcodes)
        for gemeinde in self.gemeinden:
            codes.update(gemeinde.postcodes)
        return frozenset(codes)

    @property
    def own_places(self) -> tuple[str, ...]:
        """Place names that are the Kommune itself: its Gemeinden and its own name without the
        kind ("Stadt Oldenburg (Oldb)" → "Oldenburg", "Landkreis Ammerland" → "Ammerland")."""
        bare = re.sub(r"\s*\(.*?\)\s*$", "", self.name)
        bare = re.sub(r"^(?:Stadt|Hansestadt|Landkreis|Kreis|Region|Gemeinde)\s+", "", bare)
        return tuple(dict.fromkeys(n for n in (bare.strip(), *(g.name for g in self.gemeinden))
                                   if n))

    def gemeinde_for(self, postcode: str) -> Gemeinde | None:
        return next((g for g in self.gemeinden if postcode in g.postcodes), None)


@dataclass(frozen=True)
class Schedule:
    """When an office offers appointments (weekday 0 = Monday → ["08:30", "12:00"] windows)."""

    hours: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()
    slot_minutes: int = 45
    capacity: int = 1
    location: str = ""

    def hours_dict(self) -> dict[str, list[list[str]]]:
        return {str(day): [list(w) for w in windows] for day, windows in self.hours}


@dataclass(frozen=True)
class Contact:
    phone: str = ""
    email: str = ""
    address: str = ""


@dataclass(frozen=True)
class Office:
    """One queue: a Fachamt of the Kommune, or one of the two special queues."""

    key: str
    name: str  # as citizens and reasons name it: "Wohngeldstelle"
    title: str = ""  # as staff lists show it: "Jobcenter (SGB II)"; empty: the name
    rechtskreis: str = ""  # "SGB II", "WoGG", "SGB VIII" …
    leistungsform: str | None = None  # one of LEISTUNGSFORMEN; None for the special queues
    follow_up: str | None = None  # default follow-up; None: from the Leistungsform
    retention_days: int = 180
    retention_basis: str = "intake"  # one of RETENTION_BASES: the legal basis shown with the period
    # Response-time target: hours from receipt to the first action of a person (the inbox's
    # "time left", the dashboard's comparison); None: the house default
    # (EINGANG_DEFAULT_RESPONSE_TARGET_HOURS).
    response_target_hours: float | None = None
    schedule: Schedule | None = None  # None: the house's default opening hours
    signature: str = ""  # closing lines of mails from this office
    # Hand-over to the office's E-Akte: the DMS import's transfer directory for xdomea
    # messages (worker.xdomea_export); empty: EINGANG_XDOMEA_HANDOVER decides.
    xdomea_dir: str = ""
    contact: Contact = field(default_factory=Contact)
    keywords: tuple[str, ...] = ()  # classifier: words that point here
    examples: tuple[str, ...] = ()  # classifier: typical sentences of requests for this office
    description: str = ""
    active: bool = True

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def special(self) -> bool:
        return self.key in SPECIAL_QUEUES


@dataclass(frozen=True)
class ReferralBody:
    """A body outside the Kommune's social administration that requests are referred to."""

    name: str
    address: str = ""
    email: str = ""
    handles: tuple[str, ...] = ()  # what it is responsible for (German keywords)
    hint: str = ""  # German: what the citizen is told about where to go
    phrase: str = ""  # how it reads in a sentence ("zuständig ist die Familienkasse"); "": the name
    phrase_accusative: str = ""  # where that differs ("an die Stadt oder den Landkreis …")

    def in_sentence(self, accusative: bool = False) -> str:
        return (accusative and self.phrase_accusative) or self.phrase or self.name


@dataclass(frozen=True)
class Intent:
    """What a citizen wants (Anliegenart). One the model does not know yet is found by its
    keywords and example phrases (classifier.offices), as a new office is."""

    key: str
    label: str
    keywords: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    # Retired: no longer proposed or chosen, but items that carry it still show its label.
    active: bool = True


@dataclass(frozen=True)
class Channel:
    key: str
    label: str
    symbol: str
    # Whether the channel vouches for who is writing (a staff member took the call, a portal
    # login): a known identifier from an untrusted channel links a case only as a suggestion.
    trusted: bool = False
    # Retired: no connector delivers on it any more; its items keep its label and symbol.
    active: bool = True


@dataclass(frozen=True)
class DocumentRole:
    key: str
    label: str


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The whole catalogue. Compared and hashed by identity: one loaded catalogue is one value
    (caches keyed by it stay valid until a new one is loaded)."""

    kommune: Kommune
    offices: tuple[Office, ...]
    referral_bodies: tuple[ReferralBody, ...] = ()
    intents: tuple[Intent, ...] = ()
    channels: tuple[Channel, ...] = ()
    document_roles: tuple[DocumentRole, ...] = ()
    revision: int = 0  # the database's catalogue revision this was loaded at (0: from a file)

    # --- offices ----------------------------------------------------------------------------

    @property
    def active_offices(self) -> tuple[Office, ...]:
        return tuple(o for o in self.offices if o.active)

    @property
    def queue_keys(self) -> tuple[str, ...]:
        """Every active queue, the special ones included (in catalogue order)."""
        return tuple(o.key for o in self.active_offices)

    @property
    def fachamt_keys(self) -> tuple[str, ...]:
        return tuple(o.key for o in self.active_offices if not o.special)

    def office(self, key: str | None) -> Office | None:
        return next((o for o in self.offices if o.key == key), None)

    def queue_name(self, key: str | None) -> str:
        office = self.office(key)
        return office.name if office else (key or "")

    def queue_title(self, key: str | None) -> str:
        office = self.office(key)
        return office.label if office else (key or "")

    @property
    def leistungsform(self) -> dict[str, str]:
        """Leistungsform of each Fachamt queue (the rule set may override it). Inactive offices
        too: a rule set naming one stays valid while nothing new is sent there."""
        return {o.key: o.leistungsform for o in self.offices if o.leistungsform}

    def response_target_hours(self, key: str | None, default: float) -> float:
        """The office's response-time target in hours (``default`` where it names none)."""
        office = self.office(key)
        target = office.response_target_hours if office else None
        return float(target) if target else float(default)

    @property
    def follow_ups(self) -> dict[str, str]:
        """Offices with a default follow-up of their own (others follow their Leistungsform)."""
        return {o.key: o.follow_up for o in self.offices if o.follow_up}

    # --- the rest ---------------------------------------------------------------------------

    @property
    def active_intents(self) -> tuple[Intent, ...]:
        return tuple(i for i in self.intents if i.active)

    @property
    def intent_keys(self) -> tuple[str, ...]:
        """The intents the classifier chooses from and staff can set (the active ones)."""
        return tuple(i.key for i in self.active_intents)

    @property
    def channel_keys(self) -> tuple[str, ...]:
        """The channels a connector may deliver on (the active ones)."""
        return tuple(c.key for c in self.channels if c.active)

    def intent_label(self, key: str | None) -> str:
        return next((i.label for i in self.intents if i.key == key), key or "")

    def channel(self, key: str | None) -> Channel | None:
        return next((c for c in self.channels if c.key == key), None)

    def referral_body(self, name: str | None) -> ReferralBody | None:
        return next((b for b in self.referral_bodies if b.name == name), None)

    def document_role_label(self, key: str | None) -> str:
        return next((r.label for r in self.document_roles if r.key == key), key or "")


@lru_cache(maxsize=32)
def public_holidays(region: str, year: int) -> frozenset[date]:
    """The public holidays of ``region`` ("DE-NI": nationwide and Niedersachsen's; "DE":
    nationwide only) in ``year``. Raises NotImplementedError for a region the library lacks."""
    import holidays  # here: its countries load slowly, and most commands never ask for a holiday

    country, _, subdivision = region.partition("-")
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


def default_follow_up(queue: str, leistungsform: str | None, office_follow_up: str | None = None) -> str:
    """The follow-up of a queue where no rule chose one (domain.md: Weiterbearbeitung)."""
    if queue == CLEARING:
        return "clearing"
    if queue == EXTERN:
        return "refer"
    if office_follow_up:
        return office_follow_up
    return "auto_process" if leistungsform == "transfer" else "offer_appointment"


def format_reference(year: int, item_id: int) -> str:
    """Our reference, as citizens see it and quote it back: EIN-<year>-<id, 6 digits>."""
    return f"EIN-{year}-{item_id:06d}"
