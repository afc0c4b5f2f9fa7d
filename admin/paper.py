"""Paper replies: the reply to a letter, a phone note or anyone without an email address
becomes a DIN 5008 letter (worker.letters), kept in the item as a document to print.

The text is the reply as the citizen would have read it by email (same templates, same
greeting and signature rules); the letterhead comes from the catalogue: the writing unit's
contact, else the Kommune's address.
"""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

from pypdf import PdfReader
from sqlalchemy.orm import Session

from admin.actions import REPLY_TEMPLATES, ActionError, queue_names
from admin.templating import LOCAL
from store.blobs import blob_store
from store.catalogue import current_catalogue
from store.events import record
from store.models import Document, Item, User
from store.settings import Settings
from worker.letters import Letter, LetterError, address_lines, letter_pdf

ROLE = "letter"  # documents.role of a letter we wrote (domain catalogue: document_roles)
PAPER_CHANNELS = ("letter", "phone")


def prefers_paper(item: Item) -> bool:
    """Answer on paper: the request came by post or phone, or no email address is known."""
    from worker.followups import citizen_address

    return item.channel in PAPER_CHANNELS or not citizen_address(item)


def suggested_address(item: Item) -> str:
    """Name and the first address the text names, one line each (staff check and correct it)."""
    lines = [item.sender_name or ""]
    found = (item.facts or {}).get("address") or []
    first = found[0] if isinstance(found, list) and found else (found if isinstance(found, str) else "")
    lines += [part.strip() for part in str(first).split(",")] if first else []
    return "\n".join(line for line in lines if line)


def compose_letter(session: Session, item: Item, user: User, template: str, text: str,
                   address: str, settings: Settings, now: datetime | None = None) -> Letter:
    from admin.replies import sending_unit, split_reply
    from worker.followups import _common
    from worker.forwarding import referral_phrase
    from worker.mail import referral_hint, render

    mail, catalogue = settings.mail, current_catalogue(session, settings)
    if template not in REPLY_TEMPLATES:
        raise ActionError("Unbekannte Vorlage.")
    if template == "antwort" and not text.strip():
        raise ActionError("Bitte den Antworttext eingeben.")
    try:
        lines = address_lines(address)
    except LetterError as exc:
        raise ActionError(str(exc)) from exc
    reply = split_reply(text)
    unit = sending_unit(user, item, queue_names(session))
    subject, body = render(
        mail, template, **_common(item, catalogue), text=reply.text, greeting=reply.greeting,
        staff_name=user.display_name, unit=unit,
        referral_to=item.referral_to, referral_phrase=referral_phrase(item.referral_to, catalogue),
        reply_text=(item.decision or {}).get("reply_text"),
        hint=referral_hint(mail, item.referral_to, catalogue), consultation_link=None,
    )
    office = catalogue.office(item.queue) if unit != "Eingangsservice" else None
    contact = office.contact if office else None
    contact_lines = [(label, value) for label, value in (
        ("Telefon", contact.phone if contact else ""), ("E-Mail", contact.email if contact else ""))
        if value]
    # The mail subject names the reference in brackets for threading; a letter has it in
    # "Unser Zeichen".
    subject = subject.replace(f"[{item.reference}]", "").strip()
    if item.subject and template == "antwort":
        subject = f"{subject}: {item.subject}"
    now = now or datetime.now(UTC)
    return Letter(
        sender=catalogue.kommune.name, unit=unit,
        sender_address=(contact.address if contact and contact.address else catalogue.kommune.address),
        address=lines, reference=item.reference or "", day=now.astimezone(LOCAL).date(),
        subject=subject[:200], body=body, your_message=item.received_at.astimezone(LOCAL).date(),
        contact=contact_lines,
    )


def create_letter(session: Session, item: Item, user: User, template: str, text: str,
                  address: str, settings: Settings) -> Document:
    """Make the letter, keep it in the item (blob + document) and record it."""
    letter = compose_letter(session, item, user, template, text, address, settings)
    pdf = letter_pdf(letter)
    pages = len(PdfReader(BytesIO(pdf)).pages)
    doc = Document(item_id=item.id, role=ROLE, sha256=blob_store(settings).put(pdf), media_type="application/pdf",
                   filename=f"Brief {letter.reference} {letter.day.isoformat()}.pdf", size=len(pdf),
                   page_count=pages, text=f"{letter.subject}\n\n{letter.body}")
    session.add(doc)
    session.flush()
    record(session, item, f"web:{user.username}", "letter_created",
           f"Antwortbrief „{REPLY_TEMPLATES[template]}“ als PDF zum Drucken erstellt", template=template,
           document=doc.id)
    return doc
