"""A scanned letter's subject and sender from its OCR text, so the mailroom's letters read
"Antrag auf Grundsicherung im Alter" from "Helga Schröder" in the inbox instead of
"Brief 1 aus Poststapel …". Pure: text in, (subject, sender name) out; None where unsure."""

from __future__ import annotations

import re

# The line a letter names its matter in.
SUBJECT_LINE = re.compile(r"^\s*(betreff|betr\.|bezug)\s*:?\s*(?P<rest>.+)$", re.IGNORECASE)
MATTER = re.compile(
    r"\b(antrag|widerspruch|weiterbewilligung|änderung|mitteilung|kündigung|nachweis|unterlagen|"
    r"anfrage|beschwerde|bescheid|mahnung|rechnung|vollmacht|erklärung|bescheinigung|anhörung)\w*",
    re.IGNORECASE,
)
# Lines that are no subject: address block, dates, greetings, page furniture.
NOT_SUBJECT = re.compile(
    r"(\b\d{5}\b|straße|str\.|weg\b|platz\b|allee\b|^\s*(sehr geehrte|guten tag|hallo|mit freundlichen)|"
    r"^\s*\d{1,2}\.\s*\d{1,2}\.\s*\d{2,4}\s*$|seite \d|telefon|e-mail|@)",
    re.IGNORECASE,
)
NAME = re.compile(r"^(?:(?:Frau|Herr|Dr\.)\s+)?[A-ZÄÖÜ][a-zäöüß]+(?:[- ][A-ZÄÖÜ][a-zäöüß]+){1,2}$")
DASHES = re.compile(r"\s+[–—-]\s+")
MAX_SUBJECT = 120


def letter_title(text: str) -> tuple[str | None, str | None]:
    """(subject, sender name) of a letter; the name only where the subject line gives it."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:25]
    candidate = None
    for line in lines:
        match = SUBJECT_LINE.match(line)
        if match:
            candidate = match.group("rest").strip()
            break
    if candidate is None:
        candidate = next((line for line in lines
                          if MATTER.search(line) and not NOT_SUBJECT.search(line)
                          and 2 <= len(line.split()) <= 16), None)
    if not candidate:
        return None, None
    name = None
    parts = DASHES.split(candidate)
    if len(parts) >= 2 and NAME.match(parts[-1].strip()):
        name = parts[-1].strip()
        candidate = " – ".join(parts[:-1]).strip()
    candidate = candidate.rstrip(" .:;,")
    if len(candidate) > MAX_SUBJECT:
        candidate = candidate[:MAX_SUBJECT].rsplit(" ", 1)[0] + " …"
    return candidate or None, name
