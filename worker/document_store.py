"""Write an ``Extraction`` onto its item and documents (attachments become documents)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from extraction import Attachment, Extraction
from extraction.searchable import searchable_pdf
from store.blobs import BlobStore, blob_store
from store.models import Document, Item
from store.settings import Settings
from store.threads import link_thread


def store_extraction(
    session: Session, item: Item, original_id: int, result: Extraction, media_type: str | None = None,
    *, settings: Settings,
) -> list[Document]:
    """Returns the attachments' documents, nested ones included, in document order.
    ``media_type`` is the original's stored one, kept when extraction names none."""
    headers = result.headers
    if headers is not None:
        item.subject = headers.subject or item.subject
        item.sender = headers.sender or item.sender
        item.sender_name = headers.sender_name or item.sender_name
        item.message_id = headers.message_id
    # An UPDATE without loading the row first.
    session.execute(
        update(Document)
        .where(Document.id == original_id)
        .values(
            media_type=result.media_type or media_type or Document.media_type,
            text=result.full_text or result.text,
            page_count=result.page_count,
            ocr_confidence=result.ocr_confidence,
            problem=" ".join(result.problems) or None,
        )
        .execution_options(synchronize_session=False)
    )

    texts = [result.full_text or result.text]
    blobs = blob_store(settings)
    documents: list[Document] = []
    for attachment in result.attachments:
        _store_attachment(session, blobs, item, original_id, attachment, texts, documents)
    item.text = result.text
    item.full_text = "\n\n".join(t for t in texts if t and t.strip())
    item.problems = list(result.problems)
    if headers is not None:  # after the problems: a reply that may not join adds a hint
        link_thread(session, item, headers.in_reply_to, headers.references, headers.subject,
                    settings.secret_key)
    return documents


def _store_attachment(
    session: Session,
    blobs: BlobStore,
    item: Item,
    parent_id: int,
    attachment: Attachment,
    texts: list[str],
    documents: list[Document],
) -> None:
    sub = attachment.extraction
    doc = Document(
        item_id=item.id,
        parent_id=parent_id,
        role="attachment",
        sha256=blobs.put(attachment.content),
        media_type=attachment.media_type,
        filename=attachment.filename,
        size=len(attachment.content),
        text=(sub.full_text or sub.text) if sub else None,
        page_count=sub.page_count if sub else None,
        ocr_confidence=sub.ocr_confidence if sub else None,
        problem=" ".join(sub.problems) or None if sub else None,
    )
    session.add(doc)
    session.flush()
    documents.append(doc)
    if sub is None:
        return
    if sub.ocr_pdf_pages:  # a scanned attachment: staff get a searchable copy beside it
        searchable = searchable_pdf(attachment.content, sub)
        session.add(
            Document(
                item_id=item.id, parent_id=doc.id, role="derived", sha256=blobs.put(searchable),
                media_type="application/pdf", size=len(searchable), page_count=sub.page_count,
                filename=f"{(attachment.filename or 'anhang').rsplit('.', 1)[0]}-durchsuchbar.pdf",
            )
        )
    # Email extractions already carry their attachments' text in full_text: not twice.
    if doc.text and doc.text.strip() not in texts[0]:
        label = attachment.filename or attachment.media_type
        texts.append(f"[Anhang: {label}]\n{doc.text}")
    for nested in sub.attachments:
        _store_attachment(session, blobs, item, doc.id, nested, texts, documents)
