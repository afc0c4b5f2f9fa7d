"""§ 16 Abs. 2 SGB I: an application that reached the wrong body is forwarded to the
responsible one and counts as made on the day it reached us. A question or a notice is only
referred (the citizen is told where to go); an application is forwarded.

Forwarding addresses are the referral bodies' e-mail addresses in the domain catalogue. Without
one the item stays open in its queue with the task to forward it by hand (post, fax, EGVP), and
the citizen is told that we forward it.
"""

from __future__ import annotations

import base64
from datetime import datetime

from domain import Catalogue
from store.blobs import BlobStore
from store.models import Item, OutboxMessage
from worker.mail import email_message

# Intents that are an application in the sense of § 16 SGB I.
APPLICATION_INTENTS = frozenset({"antrag", "weiterbewilligung"})

def referral_phrase(body: str | None, catalogue: Catalogue, accusative: bool = False) -> str:
    """How the body reads inside a German sentence ("zuständig ist …"; accusative: "an …
    weiterleiten"), as the catalogue's referral body says it."""
    if not body:
        return "eine andere Stelle"
    known = catalogue.referral_body(body)
    return known.in_sentence(accusative) if known else body


def is_application(item: Item) -> bool:
    return (item.intent or "") in APPLICATION_INTENTS


def forwarding_address(body: str | None, catalogue: Catalogue) -> str | None:
    """The body's e-mail address from the domain catalogue (Verwaltung → Kommune →
    Verweisungsstellen)."""
    found = catalogue.referral_body(body)
    address = found.email if found else ""
    return address if address and "@" in address else None


def forward_message(item: Item, body: str, to: str, text_of, when: dict,  # type: ignore[no-untyped-def]
                    blobs: BlobStore) -> OutboxMessage:
    """The mail to the responsible body: our letter plus the unchanged original."""
    subject, text = text_of("weiterleitung_stelle", referral_to=body, **when)
    attachments = []
    original = next((d for d in item.documents if d.role == "original"), None)
    if original is not None:
        extension = {"message/rfc822": "eml", "application/pdf": "pdf"}.get(original.media_type, "bin")
        attachments.append({
            "filename": f"antrag-{item.reference}.{extension}",
            "content_type": original.media_type or "application/octet-stream",
            "data_b64": base64.b64encode(blobs.get(original.sha256)).decode(),
        })
    return email_message(item, f"forward:{item.id}", to, subject, text, attachments=attachments)


def received_texts(received_at: datetime, zone) -> dict[str, str]:  # type: ignore[no-untyped-def]
    local = received_at.astimezone(zone)
    return {"received": local.strftime("%d.%m.%Y um %H:%M Uhr"), "received_day": local.strftime("%d.%m.%Y")}
