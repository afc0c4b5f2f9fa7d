"""Auskunft nach Art. 15 DSGVO (and § 83 SGB X): every item of one person as one ZIP file.

The person is found by email address, name or an identifier (BG-Nummer, Kundennummer,
Aktenzeichen, the item reference). The ZIP holds ``auskunft.json`` (each item's data, text,
facts, decision and history) and the unchanged originals and attachments under
``dokumente/<Referenz>/``. Member names are built by us, never taken from the input as paths.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from store import audit
from store.blobs import BlobStore
from store.models import Item, utcnow


@dataclass(frozen=True)
class PersonQuery:
    email: str | None = None
    name: str | None = None
    identifier: str | None = None

    def describe(self) -> dict[str, bool]:
        # For the audit entry: which keys were used, not their values.
        return {"by_email": bool(self.email), "by_name": bool(self.name),
                "by_identifier": bool(self.identifier)}


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def find_items(session: Session, query: PersonQuery) -> list[Item]:
    conditions = []
    if query.email:
        email = query.email.strip().lower()
        conditions.append(func.lower(Item.sender) == email)
        conditions.append(func.lower(Item.full_text).like(_like(email), escape="\\"))
    if query.name:
        conditions.append(func.lower(Item.sender_name).like(_like(query.name.strip().lower()), escape="\\"))
    if query.identifier:
        ident = query.identifier.strip()
        conditions.append(Item.case_ref == ident)
        conditions.append(Item.reference == ident)
        conditions.append(Item.full_text.like(_like(ident), escape="\\"))
    if not conditions:
        raise ValueError("Bitte E-Mail-Adresse, Name oder Kennzeichen angeben.")
    return list(session.scalars(select(Item).where(or_(*conditions)).order_by(Item.received_at, Item.id)))


_MEMBER_UNSAFE = re.compile(r"[^\w.\- ]+")


def member_name(name: str | None, fallback: str) -> str:
    """A ZIP member name part: no directories, no dot-dot, no control characters."""
    cleaned = _MEMBER_UNSAFE.sub("_", (name or "").replace("/", "_").replace("\\", "_")).strip(" .")
    return cleaned[:120] or fallback


def _item_data(item: Item) -> dict[str, Any]:
    return {
        "referenz": item.reference,
        "kanal": item.channel,
        "eingang": item.received_at.isoformat(),
        "status": item.status,
        "absender": item.sender,
        "absender_name": item.sender_name,
        "kontakt": item.contact,
        "betreff": item.subject,
        "text": item.full_text or item.text,
        "zustaendig": item.queue,
        "anliegen": item.intent,
        "dringend": item.urgent,
        "fakten": item.facts,
        "entscheidung": (item.decision or {}).get("explanation"),
        "verweisung_an": item.referral_to,
        "abgeschlossen": item.closed_at.isoformat() if item.closed_at else None,
        "dokumente": [
            {"name": d.filename, "art": d.media_type, "rolle": d.role, "groesse": d.size}
            for d in item.documents
        ],
        "verlauf": [
            {"zeit": e.at.isoformat(), "von": e.actor, "ereignis": e.kind, "text": e.message}
            for e in item.events
        ],
    }


def export_person(session: Session, blobs: BlobStore, query: PersonQuery, actor: str) -> tuple[bytes, int]:
    """The ZIP and the number of items in it; the export is an audit entry of its own."""
    items = find_items(session, query)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        manifest = {
            "erstellt": utcnow().isoformat(),
            "hinweis": "Auskunft nach Art. 15 DSGVO / § 83 SGB X: alle zu der Person "
                       "gespeicherten Eingänge im Eingangssystem.",
            "vorgaenge": [_item_data(item) for item in items],
        }
        archive.writestr("auskunft.json", json.dumps(manifest, ensure_ascii=False, indent=2))
        for item in items:
            folder = member_name(item.reference, f"vorgang-{item.id}")
            for number, document in enumerate(item.documents, 1):
                name = member_name(document.filename, f"{document.role}.bin")
                try:
                    content = blobs.get(document.sha256)
                except FileNotFoundError:
                    continue
                archive.writestr(f"dokumente/{folder}/{number:02d}-{name}", content)
    audit.append(session, "export.person", actor=actor, items=len(items),
                 references=[i.reference for i in items][:200], **query.describe())
    return buffer.getvalue(), len(items)
