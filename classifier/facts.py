"""Facts from text: identifiers of the demo Kommune, postcodes, IBANs (baseline set)."""

from __future__ import annotations

import re
from typing import Any

PATTERNS: dict[str, re.Pattern[str]] = {
    "bg_nummer": re.compile(r"\b\d{5}\s?BG\s?\d{7}\b", re.IGNORECASE),
    "kundennummer": re.compile(r"\b\d{3}[A-Z]\d{6}\b"),
    "wohngeldnummer": re.compile(r"\b62-WG-\d{6}\b", re.IGNORECASE),
    "aktenzeichen_egh": re.compile(r"\bEGH-\d{4}-\d{4}\b", re.IGNORECASE),
    "aktenzeichen_sozialamt": re.compile(r"\b(?:50\.\d-[A-Za-z]+-\d+|HzP-\d{4}-\d+)\b"),
    "postcode": re.compile(r"\b(?<![\d.,-])\d{5}(?![\d.,-])(?=\s+[A-ZÄÖÜ][a-zäöüß])"),
    "iban": re.compile(r"\bDE\d{2}(?:\s?\d{4}){4}\s?\d{2}\b"),
}


def extract_facts(text: str) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for name, pattern in PATTERNS.items():
        found = list(dict.fromkeys(m.group(0).replace(" ", "") for m in pattern.finditer(text)))
        if found:
            facts[name] = found
    return facts
