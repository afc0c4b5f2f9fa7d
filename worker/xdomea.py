"""An item as an xdomea 3.0.0 message for the E-Akte: ``Abgabe.Abgabe.0401``.

Why 0401 (README, "Hand-over to the E-Akte"): an Abgabe hands a Schriftgutobjekt over to the
system that keeps it from now on, and a DMS imports it from a transfer directory and answers
with ``Abgabe.ImportBestaetigen.0402``. The Geschäftsgang messages (0201 ff.) send documents
to external stations for Beteiligungsschritte and expect them back: not what an intake does.

One item becomes one ``Vorgang`` (Kennzeichen: our reference) with one ``Dokument`` (the
incoming letter, mail or form, with its Posteingangsdatum). The original, the searchable PDF
and the extracted text are three formats of the document's first version; a mail's or form's
attachments are ``Anlage`` documents. Facts and the routing decision travel in an
``AnwendungsspezifischeErweiterung``. Pure: a record in, XML bytes and file names out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from xml.etree import ElementTree as ET

from store.localdays import LOCAL_ZONE  # the Kommune's zone, kept in one place

NS = "urn:xoev-de:xdomea:schema:3.0.0"
MESSAGE = "Abgabe.Abgabe.0401"
MESSAGE_CODE = "0401"
# Stable ids: the same item exported twice carries the same ProzessID and object ids.
ID_NAMESPACE = uuid.UUID("6f1c7d2e-4b7a-5d8e-9c0f-2a3b4c5d6e7f")

# Code list "Dateiformat" 1.0 (urn:xoev-de:xdomea:codeliste:dateiformat).
FORMAT_CODES = {
    "application/pdf": "018", "image/png": "019", "image/jpeg": "010", "image/tiff": "024",
    "text/plain": "045", "message/rfc822": "006", "text/html": "008", "application/xml": "030",
    "text/xml": "030", "application/rtf": "022", "text/csv": "002",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "035",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "036",
    "application/vnd.oasis.opendocument.text": "015", "application/msword": "003",
}
OTHER_FORMAT = "100"  # "Sonstiges": SonstigerName carries the media type
# Code list "Medium" 1.0: 001 elektronisch, 002 hybrid (the paper original stays in the
# mailroom until it is destroyed after scanning).
MEDIUM = {"letter": "002"}
CHANNEL_NAMES = {"email": "E-Mail", "letter": "Post (Scan)", "webform": "Online-Formular",
                 "phone": "Telefonnotiz", "fitconnect": "Online-Antrag (FIT-Connect)"}
FACT_LABELS = {
    "bg_nummer": "BG-Nummer", "kundennummer": "Kundennummer", "wohngeldnummer": "Wohngeldnummer",
    "aktenzeichen_egh": "Aktenzeichen Eingliederungshilfe",
    "aktenzeichen_sozialamt": "Aktenzeichen Sozialamt", "iban": "IBAN", "postcode": "Postleitzahl",
    "postcodes": "Postleitzahlen", "phone": "Telefon", "email": "E-Mail", "birth_date": "Geburtsdatum",
    "formular": "Formularangaben",
}


@dataclass(frozen=True)
class Party:
    """Absender or Empfänger of the message: an institution and one of its units."""

    institution: str
    unit: str


@dataclass(frozen=True)
class MessageFile:
    """A primary document of the message: its name in the ZIP and the blob that holds it
    (or, for the extracted text, the content itself)."""

    name: str
    sha256: str | None = None
    content: bytes | None = None


def object_id(*parts: object) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, ":".join(str(p) for p in parts)))


def message_id(record: dict[str, Any]) -> str:
    return object_id("prozess", record["reference"])


def file_name(record: dict[str, Any]) -> str:
    """``<ProzessID>_Abgabe.Abgabe.0401`` (xdomea's naming of message and ZIP)."""
    return f"{message_id(record)}_{MESSAGE}"


def build(record: dict[str, Any], sender: Party, recipient: Party, version: str,
          now: datetime | None = None) -> tuple[bytes, list[MessageFile]]:
    """The message XML and the primary documents it names."""
    ET.register_namespace("xdomea", NS)
    files: list[MessageFile] = []
    root = ET.Element(_q(MESSAGE))
    _head(root, record, sender, recipient, version, now or datetime.now(UTC))
    vorgang = _sub(_sub(root, "Schriftgutobjekt"), "Vorgang")
    _identification(vorgang, object_id("vorgang", record["reference"]))
    meta = _sub(vorgang, "AllgemeineMetadaten")
    _text(meta, "Betreff", _subject(record))
    _text(meta, "Kennzeichen", record["reference"])
    _text(meta, "Federfuehrung", recipient.unit)
    _code(meta, "Medium", MEDIUM.get(record["channel"], "001"), "urn:xoev-de:xdomea:codeliste:medium")
    _document(vorgang, record, files)
    _facts(vorgang, record)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body, files


def _head(root: ET.Element, record: dict[str, Any], sender: Party, recipient: Party,
          version: str, now: datetime) -> None:
    head = _sub(root, "Kopf")
    _text(head, "ProzessID", message_id(record))
    _code(head, "Nachrichtentyp", MESSAGE_CODE, "urn:xoev-de:xdomea:codeliste:nachrichtentyp")
    _text(head, "Erstellungszeitpunkt", now.astimezone(UTC).replace(microsecond=0).isoformat())
    for tag, party in (("Absender", sender), ("Empfaenger", recipient)):
        contact = _sub(head, tag)
        _text(_sub(contact, "Institution"), "Name", party.institution)
        _text(_sub(contact, "Organisationseinheit"), "Name", party.unit)
    system = _sub(head, "SendendesSystem")
    _text(system, "Produktname", "eingang")
    _text(system, "Version", version)
    # The DMS answers with 0402 (imported or not) and 0403 (received).
    _text(head, "Importbestaetigung", "true")
    _text(head, "Empfangsbestaetigung", "true")


def _document(vorgang: ET.Element, record: dict[str, Any], files: list[MessageFile]) -> None:
    documents = record["documents"]
    original = next(d for d in documents if d["role"] == "original")
    doc = _sub(vorgang, "Dokument")
    _identification(doc, object_id("dokument", record["reference"], original["id"]), 1)
    meta = _sub(doc, "AllgemeineMetadaten")
    _text(meta, "Betreff", _subject(record))
    _text(meta, "Kennzeichen", record["reference"])
    received = _local_date(record["received_at"])
    _text(doc, "Posteingangsdatum", received.isoformat())
    if record.get("case_ref"):
        _text(doc, "Bezug", f"Aktenzeichen {record['case_ref']}")
    _text(doc, "Typ", f"Eingang – {CHANNEL_NAMES.get(record['channel'], record['channel'])}")
    renditions = [original] + [d for d in documents
                               if d["role"] == "derived" and d.get("parent_id") == original["id"]]
    version = _sub(doc, "Version")
    _text(version, "Nummer", "1")
    for rendition in renditions:
        _format(version, record, rendition, files)
    if record.get("text"):
        _format(version, record, _text_rendition(record), files)
    attachments = [d for d in documents if d["role"] == "attachment"]
    for number, attachment in enumerate(attachments, start=1):
        _attachment(doc, record, attachment, number, documents, files)
    if record.get("sender") or record.get("sender_name"):
        _sender(doc, record)


def _attachment(doc: ET.Element, record: dict[str, Any], attachment: dict[str, Any],
                number: int, documents: list[dict[str, Any]], files: list[MessageFile]) -> None:
    node = _sub(doc, "Anlage")
    _identification(node, object_id("dokument", record["reference"], attachment["id"]), number)
    meta = _sub(node, "AllgemeineMetadaten")
    _text(meta, "Betreff", attachment.get("filename") or f"Anlage {number}")
    _text(node, "Posteingangsdatum", _local_date(record["received_at"]).isoformat())
    _text(node, "Typ", "Anlage")
    version = _sub(node, "Version")
    _text(version, "Nummer", "1")
    _format(version, record, attachment, files)
    for derived in documents:
        if derived["role"] == "derived" and derived.get("parent_id") == attachment["id"]:
            _format(version, record, derived, files)
    _text(node, "Nummer", str(number))


def _format(version: ET.Element, record: dict[str, Any], document: dict[str, Any],
            files: list[MessageFile]) -> None:
    media_type = (document.get("media_type") or "application/octet-stream").split(";")[0]
    code = FORMAT_CODES.get(media_type, OTHER_FORMAT)
    node = _sub(version, "Format")
    _code(node, "Name", code, "urn:xoev-de:xdomea:codeliste:dateiformat", list_version="1.0")
    if code == OTHER_FORMAT:
        _text(node, "SonstigerName", media_type)
    _text(node, "Version", document.get("format_version") or "unbekannt")
    primary = _sub(node, "Primaerdokument")
    ident = object_id("datei", record["reference"], document["id"])
    name = f"{ident}_{_safe_name(document, media_type)}"
    _text(primary, "Dateiname", name)
    if document.get("filename"):
        _text(primary, "DateinameOriginal", document["filename"])
    _text(primary, "Ersteller", "eingang" if document["role"] in ("derived", "text") else "")
    _text(primary, "DatumUhrzeit", record["received_at"])
    files.append(MessageFile(name, document.get("sha256"), document.get("content")))


def _text_rendition(record: dict[str, Any]) -> dict[str, Any]:
    """The extracted text (for the DMS's full-text search) as a format of the document."""
    return {"id": "text", "role": "text", "media_type": "text/plain",
            "content": record["text"].encode("utf-8"),
            "filename": f"{record['reference']}-text.txt", "format_version": "UTF-8"}


def _sender(doc: ET.Element, record: dict[str, Any]) -> None:
    contact = _sub(doc, "Absender")
    if record.get("sender_name"):
        name = _sub(contact, "Name")
        _text(_sub(name, "Familienname"), "Name", record["sender_name"])
    if record.get("sender"):
        channel = _sub(contact, "Kommunikation")
        _text(channel, "Kennung", record["sender"])
        _text(channel, "Zusatz", "E-Mail" if "@" in record["sender"] else "Absender")


def _facts(vorgang: ET.Element, record: dict[str, Any]) -> None:
    ext = _sub(vorgang, "AnwendungsspezifischeErweiterung")
    _text(ext, "Kennung", "urn:eingang:erschliessung:1")
    _text(ext, "Name", "Erschließung im Eingangsservice")
    _text(ext, "Beschreibung", "Zuständigkeit, Anliegen und erkannte Angaben, wie eingang sie "
                               "bestimmt hat (vor der fachlichen Prüfung).")
    facts = record.get("facts") or {}
    if facts:  # the schema wants Feldgruppe before Feld
        group = _sub(ext, "Feldgruppe")
        _text(group, "Name", "Erkannte Angaben")
        _text(group, "Beschreibung", "Aus dem Text und den Formularangaben erkannte Angaben.")
        for key in sorted(facts):
            for value in _values(facts[key]):
                _field(group, FACT_LABELS.get(key, key), value)
    decision = [("Eingangskanal", CHANNEL_NAMES.get(record["channel"], record["channel"])),
                ("Eingangszeitpunkt", record["received_at"]),
                ("Zuständige Stelle", record.get("queue_name") or record.get("queue") or ""),
                ("Anliegen", record.get("intent") or ""),
                ("Eilig", "ja" if record.get("urgent") else "nein")]
    if record.get("deadline"):
        decision.append(("Frist", record["deadline"]))
    for name, value in decision:
        _field(ext, name, value)


def _values(value: Any) -> list[str]:
    if isinstance(value, list):
        return [v for item in value for v in _values(item)]
    if isinstance(value, dict):
        return ["; ".join(f"{k}: {v}" for k, v in value.items())]
    return [str(value)]


def _field(parent: ET.Element, name: str, value: str) -> None:
    node = _sub(parent, "Feld")
    _text(node, "Name", name)
    _text(node, "Wert", value)


def _subject(record: dict[str, Any]) -> str:
    return record.get("subject") or f"Eingang {record['reference']}"


def _safe_name(document: dict[str, Any], media_type: str) -> str:
    """Our own file names: a citizen's file name never becomes a path in the ZIP."""
    raw = document.get("filename") or ""
    suffix = "".join(c for c in raw.rpartition(".")[2][:8] if c.isalnum()) if "." in raw else ""
    suffix = suffix or {"application/pdf": "pdf", "message/rfc822": "eml", "text/plain": "txt",
                        "image/png": "png", "image/jpeg": "jpg", "image/tiff": "tif"}.get(media_type, "bin")
    return f"{document['role']}.{suffix.lower()}"


def _local_date(iso: str) -> date:
    return datetime.fromisoformat(iso).astimezone(LOCAL_ZONE).date()


def _identification(parent: ET.Element, ident: str, number: int | None = None) -> None:
    node = _sub(parent, "Identifikation")
    _text(node, "ID", ident)
    if number is not None:
        _text(node, "NummerImUebergeordnetenContainer", str(number))


def _code(parent: ET.Element, tag: str, code: str, list_uri: str, list_version: str | None = None) -> None:
    node = _sub(parent, tag)
    node.set("listURI", list_uri)
    if list_version:
        node.set("listVersionID", list_version)
    ET.SubElement(node, "code").text = code  # unqualified, as xoev-code:Code declares it


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _sub(parent: ET.Element, tag: str) -> ET.Element:
    return ET.SubElement(parent, _q(tag))


def _text(parent: ET.Element, tag: str, value: str) -> None:
    if value:
        _sub(parent, tag).text = value
