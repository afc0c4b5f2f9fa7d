"""Facts from a request's text: identifiers (formats from ``facts.yaml``), people, addresses,
contact data, IBANs, Bescheid dates with the Widerspruch deadline, amounts and ages.

Pure functions over plain text. IBANs are stored in full (they are needed to pay) and shown only
through :func:`mask_iban` / :func:`masked_facts`, which the web UI and logs import from here.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from classifier import deadlines
from domain import yamlfile

log = logging.getLogger(__name__)

DEFAULT_FACTS_CONFIG = Path(__file__).with_name("facts.yaml")

MONTHS = {
    "januar": 1, "jan": 1, "jänner": 1, "februar": 2, "feb": 2, "märz": 3, "maerz": 3, "mär": 3,
    "april": 4, "apr": 4, "mai": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7, "august": 8,
    "aug": 8, "september": 9, "sep": 9, "sept": 9, "oktober": 10, "okt": 10, "november": 11,
    "nov": 11, "dezember": 12, "dez": 12, "january": 1, "february": 2, "march": 3, "may": 5,
    "june": 6, "july": 7, "october": 10, "oct": 10, "december": 12, "dec": 12,
}
_MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
DATE = (
    rf"(?:\d{{1,2}}\.\s?\d{{1,2}}\.\s?(?:\d{{4}}|\d{{2}})(?!\d)"
    rf"|\d{{1,2}}\.?\s(?:{_MONTH_NAMES})\.?\s\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})"
)
_NAME = r"[A-ZÄÖÜ][a-zäöüß]+(?:-[A-ZÄÖÜ][a-zäöüß]+)?"
_FULL_NAME = rf"{_NAME}(?:\s{_NAME}){{1,2}}"
_STREET_SUFFIX = (
    r"(?:stra(?:ss|ß)e|str\.|weg|allee|platz|ring|damm|gasse|chaussee|ufer|markt|hof|steig|pfad)"
)
_STREET_WORD = r"(?:Stra(?:ss|ß)e|Str\.|Weg|Allee|Platz|Ring|Damm|Chaussee)"
_CAP = r"[A-ZÄÖÜ][\wäöüß\-]{0,40}"  # bounded: no quadratic backtracking on long tokens
_STREET = (
    rf"(?:(?:{_CAP} )?{_CAP}{_STREET_SUFFIX}|(?:{_CAP} ){{1,3}}{_STREET_WORD}"
    rf"|Am {_CAP}|An der {_CAP})"
)

PATTERNS: dict[str, re.Pattern[str]] = {
    "address": re.compile(
        rf"(?P<street>{_STREET} \d{{1,4}}\s?[a-zA-Z]?)\b[,\s]*\n?\s*(?:D-)?"
        rf"(?P<postcode>\d{{5}})\s(?P<city>[A-ZÄÖÜ][\wäöüß\-]+(?:\s\((?:Oldb|Oldenburg)\))?)"
    ),
    # Before a place name (Latin, Cyrillic or Arabic letters: "26133 Ольденбург"), or in
    # brackets after one ("Hatten (26209)", "Вестерштеде (26655)").
    "postcode": re.compile(
        r"(?:(?<![\d.,\-/])(?=\d{5}\s+(?:[A-ZÄÖÜ][a-zäöüß]|[А-ЯЁІЇЄҐ][а-яёіїєґ]|[\u0621-\u064a]))"
        r"|(?<=[^\W\d_] \()(?=\d{5}\)))(\d{5})"
    ),
    "iban": re.compile(r"\b([A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,3})?)\b"),
    "email": re.compile(r"\b[\w.+\-]{1,64}@[\w\-]{1,63}(?:\.[\w\-]{1,63}){1,6}\b"),
    "phone": re.compile(
        r"(?:(?<=\s)|(?<=^)|(?<=[:(]))(?:\+49[\s\-/]?\(?0?\)?|0)\d{2,5}\)?[\s\-/]?\d{2,}(?:[\s\-]\d{2,})*(?!\w)",
        re.MULTILINE,
    ),
    "birth_date": re.compile(
        rf"(?:geb(?:oren)?\.?(?:\s?am)?|geburtsdatum|geb\.-?datum|date of birth|born(?: on)?|\*)"
        rf"\s?:?\s?({DATE})",
        re.IGNORECASE,
    ),
    "bescheid_date": re.compile(
        rf"(?:bescheid|decision)\w*(?:\s[\w()\-]+){{0,5}}?\s(?:vom|v\.|of|dated|from)\s({DATE})",
        re.IGNORECASE,
    ),
    "amount": re.compile(
        r"(?:(?:€|EUR)\s?(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,9}(?:[,.]\d{1,2})?)"
        r"|(?<![\d.,])(\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d{1,9}(?:,\d{1,2})?)\s?"
        r"(?:€|EUR\b|Euro\b|euro\b))"
    ),
    "age": re.compile(
        r"(?:\b(\d{1,3})\s?(?:Jahre alt|jahre alt|J\.(?=[\s,)])|-jährig|-jaehrig|jährig|years old|yo\b)"
        r"|\b(?:bin|ist|Alter:?|I am|I'm|age:?)\s(\d{2,3})\b(?!\s?(?:€|Euro|EUR|%|Stunden|Tage|Wochen|Monate|Jahre(?! alt)|Kinder|km|m²|qm))"
        r"|\b(?:mit|als)\s(\d{2,3})\s(?:Jahren)\b)",
    ),
    "name": re.compile(
        rf"(?:(?:Name|Absender|Antragsteller(?:in)?|Anrufer(?:in)?)\s?:\s?(?P<labelled>{_NAME},\s?{_NAME}|{_FULL_NAME})"
        rf"|(?:[Mm]ein Name ist|ich hei(?:ß|ss)e|[Mm]y name is)\s(?P<stated>{_FULL_NAME})"
        rf"|(?<!geehrte )(?<!geehrter )(?:Herr|Frau|Hr\.|Fr\.)\s(?P<titled>{_FULL_NAME}|{_NAME}))"
    ),
    "signature": re.compile(
        rf"(?:Mit freundlichen Grü(?:ß|ss)en|Freundliche Grü(?:ß|ss)e|Viele Grü(?:ß|ss)e|MfG|LG|"
        rf"Gru(?:ß|ss)|Best regards|Kind regards|Regards)\s*,?\s*\n\s*(?P<name>{_FULL_NAME})\s*(?:\n|$)"
    ),
}


# Substrings (of the lower-cased text) without which a pattern cannot match: a cheap test first.
HINTS: dict[str, tuple[str, ...]] = {
    "address": ("str", "weg", "allee", "platz", "ring", "damm", "gasse", "chaussee", "ufer",
                "markt", "hof", "steig", "pfad", "am ", "an der "),
    "birth_date": ("geb", "born", "birth", "*"),
    "bescheid_date": ("bescheid", "decision"),
    "amount": ("€", "eur"),
    "name": ("name", "hei", "herr", "frau", "hr.", "fr.", "absender", "antragsteller", "anrufer"),
    "signature": ("gr", "mfg", "lg", "regards"),
}


def _finditer(name: str, text: str, lower: str):  # type: ignore[no-untyped-def]
    hints = HINTS.get(name)
    if hints and not any(h in lower for h in hints):
        return iter(())
    return PATTERNS[name].finditer(text)


def _int_year(y: str) -> int:
    year = int(y)
    return year + 2000 if year < 100 else year


def parse_date(text: str) -> date | None:
    """German (12.03.2026, 12.3.26, 12. März 2026) and ISO dates; None if not a real date."""
    text = text.strip()
    try:
        if m := re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{2,4})", text):
            return date(_int_year(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := re.fullmatch(rf"(\d{{1,2}})\.?\s({_MONTH_NAMES})\.?\s(\d{{4}})", text, re.I):
            return date(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
        if m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 check digits (mod 97)."""
    iban = iban.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}", iban):
        return False
    digits = "".join(str(int(ch, 36)) for ch in iban[4:] + iban[:4])
    return int(digits) % 97 == 1


def mask_iban(iban: str) -> str:
    """``DE89370400440532013000`` → ``DE89 **** **** **** **30 00``: country, check digits and
    the last four characters stay, so staff can tell accounts apart without seeing them."""
    compact = re.sub(r"\s", "", iban).upper()
    if len(compact) <= 8:
        return "*" * len(compact)
    masked = compact[:4] + "*" * (len(compact) - 8) + compact[-4:]
    return " ".join(masked[i : i + 4] for i in range(0, len(masked), 4))


def mask_ibans_in_text(text: str) -> str:
    """Mask every IBAN inside free text (for logs and previews)."""
    return PATTERNS["iban"].sub(
        lambda m: mask_iban(m.group(1)) if _looks_like_iban(m.group(1)) else m.group(0), text
    )


def masked_facts(facts: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``facts`` safe to show in lists and logs."""
    out = dict(facts)
    if "iban" in out:
        out["iban"] = [mask_iban(i) for i in out["iban"]]
    return out


def _looks_like_iban(candidate: str) -> bool:
    compact = candidate.replace(" ", "").upper()
    # A German IBAN has a fixed shape; others must also pass the check digits.
    return bool(re.fullmatch(r"DE\d{20}", compact)) or iban_is_valid(compact)


@dataclass(frozen=True)
class IdentifierFormat:
    name: str
    label: str
    pattern: re.Pattern[str]
    compact: bool = True
    upper: bool = False
    hints: tuple[str, ...] = ()  # lower-case substrings one of which a match must contain
    office: str | None = None  # the queue that issues it (and so holds the case)

    def find(self, text: str, lower: str | None = None) -> list[str]:
        if self.hints and not any(h in (lower or text.lower()) for h in self.hints):
            return []
        found = []
        for m in self.pattern.finditer(text):
            value = re.sub(r"\s", "", m.group(0)) if self.compact else m.group(0)
            found.append(value.upper() if self.upper else value)
        return list(dict.fromkeys(found))


@dataclass
class FactsConfig:
    identifiers: list[IdentifierFormat]
    authority_postcodes: frozenset[str] = frozenset()
    # The Kommune's public holidays move a deadline ending on one: the Classifier sets the
    # region of the catalogue's Kommune (domain.Kommune.holiday_region).
    holiday_region: str = deadlines.NATIONWIDE
    labels: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path | None = None) -> FactsConfig:
        data = yamlfile.safe_load((path or DEFAULT_FACTS_CONFIG).read_text(encoding="utf-8")) or {}
        identifiers = []
        for name, spec in (data.get("identifiers") or {}).items():
            flags = re.IGNORECASE if spec.get("ignore_case") else 0
            identifiers.append(
                IdentifierFormat(
                    name, spec.get("label", name), re.compile(spec["pattern"], flags),
                    compact=spec.get("compact", True), upper=bool(flags),
                    hints=tuple(str(h).lower() for h in spec.get("hints", [])),
                    office=spec.get("office"),
                )
            )
        if "holiday_subdivision" in data:  # an admin's copy from before the Kommune held it
            log.warning("facts.yaml: holiday_subdivision wird nicht mehr gelesen; die Feiertage "
                        "sind die der Kommune (holiday_region im Kommunenprofil).")
        return cls(
            identifiers,
            frozenset(str(p) for p in data.get("authority_postcodes", [])),
            labels={i.name: i.label for i in identifiers},
        )


@lru_cache(maxsize=1)
def default_config() -> FactsConfig:
    return FactsConfig.load()


def kommune_config(data_dir: Path | None) -> FactsConfig:
    """The identifier formats in force: the admin's ``facts.yaml`` in the data directory, else
    the bundled one. Read again once the file changes (its time and size are the cache key), so
    running processes follow an edit without a restart."""
    from classifier import versions

    path = versions.config_file("facts.yaml", data_dir)
    try:
        stat = path.stat()
    except OSError:
        return default_config()
    return _config_at(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _config_at(path: Path, mtime_ns: int, size: int) -> FactsConfig:
    if path == DEFAULT_FACTS_CONFIG:
        return default_config()
    try:
        return FactsConfig.load(path)
    except Exception as exc:  # YAML syntax, bad regex, wrong types: keep the service running
        log.error("Konfiguration %s fehlerhaft, mitgelieferte verwendet: %s", path, exc)
        return default_config()


def _amount(value: str) -> float | None:
    if "," in value or re.fullmatch(r"\d{1,3}(?:\.\d{3})+", value):
        value = value.replace(".", "").replace(",", ".")
    try:
        return round(float(value), 2)
    except ValueError:
        return None


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(v for v in values if v not in (None, "")))


def extract_facts(text: str, config: FactsConfig | None = None) -> dict[str, Any]:
    """All facts found in ``text``; keys are present only when something was found."""
    config = config or default_config()
    lower = text.lower()
    facts: dict[str, Any] = {}
    for ident in config.identifiers:
        if found := ident.find(text, lower):
            facts[ident.name] = found

    ibans = [m for m in PATTERNS["iban"].finditer(text) if _looks_like_iban(m.group(1))]
    iban_spans = [m.span() for m in ibans]
    taken = lambda span: any(a <= span[0] < b for a, b in iban_spans)  # noqa: E731
    facts["iban"] = _unique([m.group(1).replace(" ", "").upper() for m in ibans])

    addresses = list(_finditer("address", text, lower))
    facts["address"] = _unique(
        [f"{m['street'].strip()}, {m['postcode']} {m['city']}" for m in addresses
         if m["postcode"] not in config.authority_postcodes]
    )
    facts["postcode"] = _unique(
        [m.group(1) for m in PATTERNS["postcode"].finditer(text)
         if m.group(1) not in config.authority_postcodes and not taken(m.span())]
    )
    if "@" in text:
        facts["email"] = _unique([m.group(0) for m in PATTERNS["email"].finditer(text)])
    facts["phone"] = _unique(
        [m.group(0).strip() for m in PATTERNS["phone"].finditer(text)
         if not taken(m.span()) and len(re.sub(r"\D", "", m.group(0))) >= 7]
    )
    facts["name"] = _names(text, lower)
    birth = [parse_date(m.group(1)) for m in _finditer("birth_date", text, lower)]
    facts["birth_date"] = _unique([d.isoformat() for d in birth if d])
    facts.update(_bescheide(text, lower, config))
    facts["amount"] = _unique(
        [_amount(m.group(1) or m.group(2)) for m in _finditer("amount", text, lower)]
    )
    facts["age"] = _unique(
        [int(a) for m in PATTERNS["age"].finditer(text)
         if (a := next(g for g in m.groups() if g)) and 0 < int(a) < 120]
    )
    return {k: v for k, v in facts.items() if v}


def _names(text: str, lower: str) -> list[str]:
    names = []
    for m in _finditer("name", text, lower):
        value = m["labelled"] or m["stated"] or m["titled"]
        if "," in value:  # "Nachname, Vorname" as web forms ask for it
            last, first = (p.strip() for p in value.split(",", 1))
            value = f"{first} {last}"
        names.append(value)
    names += [m["name"] for m in _finditer("signature", text, lower)]
    return _unique(names)


def _bescheide(text: str, lower: str, config: FactsConfig) -> dict[str, Any]:
    dates = _unique([parse_date(m.group(1)) for m in _finditer("bescheid_date", text, lower)])
    if not dates:
        return {}
    deadlines_ = [
        {
            "bescheid_datum": d.isoformat(),
            "bekanntgabe": deadlines.bekanntgabe(d).isoformat(),
            "frist_bis": deadlines.widerspruch_deadline(d, region=config.holiday_region).isoformat(),
        }
        for d in dates
    ]
    return {"bescheid_date": [d.isoformat() for d in dates], "widerspruch_deadline": deadlines_}


FACT_LABELS = {
    "address": "Anschrift", "postcode": "Postleitzahl", "iban": "IBAN", "email": "E-Mail",
    "phone": "Telefon", "name": "Name", "birth_date": "Geburtsdatum",
    "bescheid_date": "Bescheid vom", "widerspruch_deadline": "Widerspruchsfrist",
    "amount": "Betrag (€)", "age": "Alter", "sgb_ix_deadline": "Frist § 14 SGB IX",
}
