"""German display of what the classifier stores as data: dates, amounts, deadlines and urgent
reasons. Staff read "07.12.2026" and "1.240,00 €", never ISO strings, floats or dicts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

FACT_LABELS = {
    "postcode": "Postleitzahl", "name": "Name", "iban": "IBAN", "bg_nummer": "BG-Nummer",
    "kundennummer": "Kundennummer", "wohngeldnummer": "Wohngeldnummer",
    "aktenzeichen_egh": "Aktenzeichen Eingliederungshilfe", "aktenzeichen_sozialamt": "Aktenzeichen Sozialamt",
    "birth_date": "Geburtsdatum", "phone": "Telefon", "email": "E-Mail", "age": "Alter",
    "bescheid_date": "Datum des Bescheids", "amount": "Betrag", "address": "Anschrift",
    "widerspruch_deadline": "Widerspruchsfrist", "sgb_ix_deadline": "Frist § 14 SGB IX",
}
STATUSES = {
    "received": "eingegangen", "extracted": "gelesen", "classified": "eingeordnet",
    "routed": "zugeordnet", "done": "erledigt", "needs_attention": "Klärung nötig",
    "joined": "Antwort im Vorgang",
}


def german_date(value: Any) -> str:
    """ISO date (or datetime) → 07.12.2026; anything else unchanged as text."""
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10]).strftime("%d.%m.%Y")
        except ValueError:
            return value
    return "" if value is None else str(value)


def euro(value: Any) -> str:
    """1240.0 → 1.240,00 € (German grouping and decimal comma)."""
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{amount:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{text} €"


def deadline_text(entry: Any) -> str:
    """One computed Widerspruch deadline: "bis 07.12.2026 (Bescheid vom 03.11.2026, bekannt
    gegeben am 06.11.2026)"."""
    if not isinstance(entry, dict):
        return german_date(entry)
    parts = []
    if entry.get("bescheid_datum"):
        parts.append(f"Bescheid vom {german_date(entry['bescheid_datum'])}")
    if entry.get("bekanntgabe"):
        parts.append(f"bekannt gegeben am {german_date(entry['bekanntgabe'])}")
    due = f"bis {german_date(entry['frist_bis'])}" if entry.get("frist_bis") else ""
    return f"{due} ({', '.join(parts)})" if parts and due else due or ", ".join(parts)


def hours(value: Any) -> str:
    """A number of hours as staff read it: 48.0 → "48", 1.5 → "1,5"."""
    if value is None or value == "":
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else f"{number:g}".replace(".", ",")


def mask_iban(value: Any) -> str:
    """DE89 3704 0044 0532 0130 00 → DE89 **** **** **** **30 00 (lists and pages never show it whole)."""
    raw = "".join(str(value).split())
    if len(raw) < 8:
        return "****"
    masked = raw[:4] + "*" * (len(raw) - 8) + raw[-4:]
    return " ".join(masked[i:i + 4] for i in range(0, len(masked), 4))


_DATE_FACTS = {"birth_date", "bescheid_date", "sgb_ix_deadline"}


def fact_values(key: str, value: Any) -> list[str]:
    """The displayed values of one fact (a list of strings, already formatted)."""
    values = value if isinstance(value, list | tuple) else [value]
    if key == "widerspruch_deadline":
        return [deadline_text(v) for v in values]
    if key in _DATE_FACTS:
        return [german_date(v) for v in values]
    if key == "amount":
        return [euro(v) for v in values]
    if "iban" in key:
        return [mask_iban(v) for v in values]
    return ["" if v is None else str(v) for v in values]


def urgent_reason_text(reason: Any) -> str:
    """A stored urgent reason (dict from the classifier, or plain text of older items)."""
    if not isinstance(reason, dict):
        return str(reason)
    text = reason.get("label") or reason.get("reason") or ""
    if reason.get("trigger"):
        text += f" – „{reason['trigger']}“"
    if reason.get("deadline"):
        text += f", Frist bis {german_date(reason['deadline'])}"
    return text


MEDIA_LABELS = {
    "message/rfc822": "E-Mail", "application/pdf": "PDF", "image/png": "Bild (PNG)",
    "image/jpeg": "Bild (JPEG)", "image/tiff": "Bild (TIFF)", "text/plain": "Text",
    "text/html": "HTML", "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/msword": "Word", "application/zip": "ZIP-Archiv",
}


def media_label(media_type: str | None) -> str:
    return MEDIA_LABELS.get(media_type or "", "Datei")


def size_label(size: int | None) -> str:
    """1536 → 1,5 KB; 2_400_000 → 2,3 MB."""
    size = size or 0
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{size / 1024:.1f} KB".replace(".", ",")


WHO = {"ich": "für sich selbst", "familie": "für sich und die Familie", "andere": "für eine andere Person"}
WORK = {"ja": "ja", "nein": "nein", "unklar": "weiß nicht"}


def form_answers(answers: dict[str, Any] | None, office_names: dict[str, str],
                 topics: dict[str, Any]) -> list[tuple[str, str]]:
    """The public form's guided answers as (label, value) rows for the item page; ``topics``:
    the wayfinder's (``admin.guide.guide_config``)."""
    if not answers:
        return []
    rows = [
        ("Hilfe für", WHO.get(answers.get("who") or "", "")),
        ("Alter", str(answers["age"]) if answers.get("age") is not None else ""),
        ("Kann mindestens 3 Stunden täglich arbeiten", WORK.get(answers.get("work") or "", "")),
        ("Thema", topics.get(answers.get("topic") or "", {}).get("label", "")),
        ("Notlage angegeben", {"ja": "ja", "nein": "nein"}.get(answers.get("emergency") or "", "")),
        ("Wegweiser nannte", office_names.get(answers.get("suggested_office") or "", "")),
    ]
    return [(label, value) for label, value in rows if value]
