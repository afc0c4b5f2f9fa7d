"""Hand-over to the E-Akte: an xdomea 3.0.0 ZIP in the office's transfer directory.

Planned with the routing decision (an outbox message, beside the webhook and the drop folder)
for every item routed to an office that has a hand-over folder (``EINGANG_XDOMEA_HANDOVER``,
per office or ``*``); delivered by the outbox with its retries. The ZIP is written under a
hidden temporary name, fsynced and renamed, so a DMS import that watches the folder never
reads half a file; a repeat (a crash between writing and the outbox's "sent" mark) finds the
ZIP of the same ProzessID and writes nothing.
"""

from __future__ import annotations

import os
import zipfile
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import object_session

from routing import RoutingDecision
from store.blobs import blob_store
from store.models import Item, OutboxMessage
from store.settings import Settings
from worker import xdomea
from worker.exporters import ExportError

KIND = "xdomea"
SENDER_UNIT = "Eingangsservice"
NO_OFFICE = frozenset({"extern", "clearing"})


def handover_dir(settings: Settings, queue: str | None, office_dir: str = "") -> Path | None:
    """The office's transfer directory: from the domain catalogue (console, Kommune profile),
    else EINGANG_XDOMEA_HANDOVER for the office, else its default for all offices (``*``)."""
    if not queue or queue in NO_OFFICE:
        return None
    if office_dir:
        return Path(office_dir)
    folders = settings.xdomea_handover
    return folders.get(queue) or folders.get("*")


def xdomea_record(item: Item, office_name: str) -> dict[str, Any]:
    """What the message is built from at delivery (documents are read from the blob store)."""
    return {
        "reference": item.reference,
        "case_ref": item.case_ref,
        "received_at": item.received_at.isoformat(),
        "channel": item.channel,
        "queue": item.queue,
        "queue_name": office_name,
        "intent": item.intent,
        "urgent": bool(item.urgent),
        "deadline": item.deadline.isoformat() if item.deadline else None,
        "subject": item.subject,
        "sender": item.sender,
        "sender_name": item.sender_name,
        "text": item.full_text or item.text or "",
        "facts": item.facts or {},
        "documents": [
            {"id": d.id, "parent_id": d.parent_id, "role": d.role, "sha256": d.sha256,
             "media_type": d.media_type, "filename": d.filename}
            for d in item.documents
        ],
    }


def plan_xdomea(item: Item, decision: RoutingDecision, settings: Settings) -> list[OutboxMessage]:
    from store.catalogue import current_catalogue

    catalogue = current_catalogue(object_session(item), settings)
    office = catalogue.office(item.queue)
    folder = handover_dir(settings, item.queue, office.xdomea_dir if office else "")
    if folder is None:
        return []
    return [OutboxMessage(
        item_id=item.id, kind=KIND, dedupe_key=f"export-xdomea:{item.id}",
        payload={"dir": str(folder), "kommune": catalogue.kommune.name,
                 "record": xdomea_record(item, catalogue.queue_name(item.queue))},
    )]


def deliver_xdomea(message: OutboxMessage, settings: Settings) -> None:
    payload = message.payload
    record = payload["record"]
    folder = Path(payload["dir"])
    if not folder.is_dir():
        raise ExportError(f"Übergabeordner für die E-Akte fehlt: {folder}")
    target = folder / f"{xdomea.file_name(record)}.zip"
    if target.exists():
        return  # handed over before (a repeat after a crash)
    content = build_zip(record, payload["kommune"], settings)
    staging = folder / f".{target.name}.tmp"
    with open(staging, "wb") as out:
        out.write(content)
        out.flush()
        os.fsync(out.fileno())
    staging.rename(target)
    _fsync_dir(folder)


def build_zip(record: dict[str, Any], kommune: str, settings: Settings) -> bytes:
    """The message and its primary documents as one ZIP (xdomea's transport container)."""
    import io

    store = blob_store(settings)
    for document in record["documents"]:
        if (document.get("media_type") or "").startswith("application/pdf"):
            head = store.get(document["sha256"])[:16]
            if head.startswith(b"%PDF-"):
                document["format_version"] = head[5:8].decode("ascii", "replace")
    body, files = xdomea.build(
        record,
        sender=xdomea.Party(kommune, SENDER_UNIT),
        recipient=xdomea.Party(kommune, record.get("queue_name") or record.get("queue") or ""),
        version=_version(),
    )
    if settings.xdomea_xsd:
        problems = validation_problems(body, settings.xdomea_xsd)
        if problems:
            raise ExportError("xdomea-Nachricht entspricht nicht dem Schema: " + problems[0])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{xdomea.file_name(record)}.xml", body)
        for file in files:
            data = file.content if file.content is not None else store.get(file.sha256 or "")
            archive.writestr(file.name, data)
    return buffer.getvalue()


def validation_problems(body: bytes, xsd: Path) -> list[str]:
    """Every reason the message breaks the official XSD (empty: valid)."""
    import io

    schema = _schema(str(xsd))
    return [str(error.reason or error) for error in schema.iter_errors(io.BytesIO(body))]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("eingang")
    except PackageNotFoundError:
        return "unbekannt"


@lru_cache(maxsize=2)
def _schema(path: str):  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema(path)  # loading the xdomea set takes seconds: once per process


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
