"""An online application received over FIT-Connect, as connectors.fitconnect stores it: a ZIP
with the envelope (``submission.json``), the decrypted ``metadata.json``, the Fachdaten
(``data.json`` or ``data.xml``) and the attachments (``attachments/<id>``).

The form's fields become the text (``Feld: Wert`` lines, German as the form names them), the
attachments become documents, read like any other file.
"""

from __future__ import annotations

import json
import zipfile
from io import BytesIO
from typing import Any
from xml.etree import ElementTree as ET

from extraction.sniff import sniff_media_type
from extraction.types import Attachment, Extraction, Limits, PartReader

MEDIA_TYPE = "application/vnd.eingang.fitconnect-submission+zip"
MAX_FIELDS = 500
MAX_VALUE = 2000


def extract_fitconnect(content: bytes, limits: Limits, read_part: PartReader) -> Extraction:
    """The submission's form data as text, its attachments read by ``read_part``
    (extraction.dispatch passes its own ``extract``)."""
    result = Extraction(media_type=MEDIA_TYPE)
    archive = zipfile.ZipFile(BytesIO(content))
    names = set(archive.namelist())
    if sum(i.file_size for i in archive.infolist()) > limits.max_bytes:
        result.problems.append("Der Online-Antrag ist ausgepackt zu groß, um ihn automatisch zu lesen.")
        return result
    metadata = json.loads(archive.read("metadata.json")) if "metadata.json" in names else {}
    service = (metadata.get("publicServiceType") or {}).get("name")
    lines = [f"Online-Antrag: {service}" if service else "Online-Antrag (FIT-Connect)"]
    structure = metadata.get("contentStructure") or {}
    for name, mime in (("data.json", "application/json"), ("data.xml", "application/xml")):
        if name in names:
            fields = flatten_data(archive.read(name), mime)
            lines += [f"{key}: {value}" for key, value in fields]
    declared = {a.get("attachmentId"): a for a in structure.get("attachments", [])}
    for entry in sorted(n for n in names if n.startswith("attachments/"))[: limits.max_attachments]:
        attachment_id = entry.split("/", 1)[1]
        info = declared.get(attachment_id, {})
        data = archive.read(entry)
        filename = _display_name(info.get("filename")) or f"anlage-{attachment_id[:8]}"
        if entry.endswith(".jwe"):
            result.problems.append(f"Anlage „{filename}“ konnte nicht entschlüsselt werden; sie ist "
                                   "verschlüsselt beigefügt.")
            continue
        media_type = sniff_media_type(data, filename)
        if media_type == "application/octet-stream":
            media_type = info.get("mimeType") or media_type
        result.attachments.append(Attachment(filename=filename, media_type=media_type, content=data,
                                             extraction=read_part(data, media_type, limits)))
        purpose = {"form": "Antragsformular", "report": "Bericht"}.get(info.get("purpose"), "Anlage")
        lines.append(f"{purpose}: {filename}")
    result.text = "\n".join(lines)
    result.full_text = result.text
    return result


def flatten_data(data: bytes, mime: str) -> list[tuple[str, str]]:
    """Leaf values of the Fachdaten as ``(dotted.path, value)`` in document order."""
    fields: list[tuple[str, str]] = []
    if mime == "application/xml":
        try:
            _xml_fields(ET.fromstring(data), "", fields)
        except ET.ParseError:
            return []
    else:
        try:
            _json_fields(json.loads(data), "", fields)
        except ValueError:
            return []
    return fields[:MAX_FIELDS]


def _json_fields(value: Any, path: str, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("$"):
                _json_fields(item, f"{path}.{key}" if path else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _json_fields(item, f"{path}[{index}]", out)
    elif value is not None and value != "":
        text = "ja" if value is True else "nein" if value is False else str(value)
        out.append((path, text[:MAX_VALUE]))


def _xml_fields(element: ET.Element, path: str, out: list[tuple[str, str]]) -> None:
    tag = element.tag.rsplit("}", 1)[-1]
    here = f"{path}.{tag}" if path else tag
    children = list(element)
    if not children:
        if element.text and element.text.strip():
            out.append((here, element.text.strip()[:MAX_VALUE]))
        return
    for child in children:
        _xml_fields(child, here, out)


def _display_name(name: str | None) -> str | None:
    """A citizen's file name, for display only: no path, no control characters."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in base if c.isprintable()).strip(" .")
    return cleaned[:200] or None
